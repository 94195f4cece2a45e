"""Facilities of the demo city: the real ones, synthetic ones with distinct behaviours, their Dinkes
authorisations, which of them may test on which day, and their daily reports.

Every misbehaviour (late, silent, unauthorised, implausible negatives, volume spike) is given to a
synthetic facility only: the demo never shows a real hospital or puskesmas as a fraudster.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from casedb.demo.timeline import DAY, HOUR, SECOND, Timeline
from casedb.schema import TEST_TYPES

SYNTHETIC_SOURCE = "synthetic demo"
GRANTED_BY = "Kepala Dinas Kesehatan Kota Pekanbaru"
AUTHORIZATION_DAYS = 180
REVOKE_REASONS = (
    "Dicabut: hasil audit mutu laboratorium tidak memenuhi syarat",
    "Dicabut: pelaporan hasil pemeriksaan tidak lengkap",
    "Dicabut atas permintaan fasilitas",
)
FRAUD_REVOKE_REASON = "Dicabut: surat keterangan diterbitkan tanpa pemeriksaan"
# Test types a facility of each type does and is authorised for.
TYPE_TESTS = {
    "hospital": ("pcr", "antigen", "antibody"),
    "lab": ("pcr", "antigen"),
    "puskesmas": ("antigen",),
    "clinic": ("antigen", "antibody"),
    "practice": ("antigen",),
}
# Relative testing capacity per (facility type, test type): pcr, antigen, antibody.
CAPACITY = {
    "hospital": (1.0, 0.8, 0.4),
    "lab": (3.0, 0.8, 0.0),
    "puskesmas": (0.25, 1.0, 0.0),
    "clinic": (0.0, 0.7, 0.4),
    "practice": (0.0, 0.25, 0.0),
}
TRAVEL_APPEAL = {"hospital": 0.5, "lab": 1.2, "puskesmas": 0.3, "clinic": 1.6, "practice": 1.0}
AUTHORISED_SHARE = {"hospital": 1.0, "lab": 1.0, "clinic": 0.9, "puskesmas": 0.85, "practice": 0.5}
SYNTHETIC_TYPES = (("clinic", 0.5), ("lab", 0.15), ("practice", 0.35))
NAME_WORDS = ("Sehat", "Medika", "Husada", "Bunda", "Sentosa", "Prima", "Mandiri", "Harapan", "Keluarga", "Utama")
NAME_PREFIX = {"clinic": "Klinik Pratama", "lab": "Laboratorium Klinik", "practice": "Praktik Dokter"}
# Behaviours given to synthetic facilities: (name, how many per 100 synthetic, at least).
BEHAVIOURS = (
    ("late_reporter", 4, 2),
    ("silent_facility", 1.5, 1),
    ("unauthorized_issuer", 1.5, 2),
    ("implausible_negatives", 1, 1),
    ("issuing_volume_spike", 1, 1),
)


@dataclass
class FacilityPlan:
    frame: pd.DataFrame           # facilities table rows + behaviour, capacity columns
    authorizations: pd.DataFrame
    authorization_test_types: pd.DataFrame
    open_days: np.ndarray         # [facility, day] open and working
    authorised: np.ndarray        # [facility, test type, day] holds a valid authorisation

    @property
    def ids(self) -> np.ndarray:
        return self.frame["id"].to_numpy()

    def index_of(self, behaviour: str) -> np.ndarray:
        return np.flatnonzero(self.frame["behaviour"].to_numpy() == behaviour)


def plan(rng: np.random.Generator, tl: Timeline, real: pd.DataFrame, kelurahan: pd.DataFrame,
         target: int) -> FacilityPlan:
    real = _keep_real(real, target)
    synthetic = _synthetic(rng, tl, kelurahan, target - len(real), first_id=int(real["id"].max()) + 1)
    frame = pd.concat([real, synthetic], ignore_index=True)
    frame["behaviour"] = _behaviours(rng, frame, tl)
    frame["size"] = rng.lognormal(0.0, 0.4, len(frame)) * np.where(
        frame["beds"].notna(), np.sqrt(frame["beds"].fillna(100).astype(float) / 100), 1.0)
    open_days = _open_days(tl, frame)
    authorizations, test_types = _authorizations(rng, tl, frame)
    authorised = _authorised_days(tl, frame, authorizations, test_types)
    return FacilityPlan(frame, authorizations, test_types, open_days, authorised)


def _keep_real(real: pd.DataFrame, target: int) -> pd.DataFrame:
    """All real facilities that fit, leaving room for a fifth synthetic ones: hospitals and labs
    first, then puskesmas in file order."""
    room = target - max(12, target // 5)
    order = real["type"].map({"hospital": 0, "lab": 0}).fillna(1)
    kept = real.assign(_order=order).sort_values(["_order", "id"], kind="stable").head(room)
    return kept.drop(columns="_order").sort_values("id").reset_index(drop=True)


def _synthetic(rng: np.random.Generator, tl: Timeline, kelurahan: pd.DataFrame, n: int,
               first_id: int) -> pd.DataFrame:
    types = rng.choice([t for t, _ in SYNTHETIC_TYPES], n, p=[p for _, p in SYNTHETIC_TYPES])
    kel = rng.choice(len(kelurahan), n, p=kelurahan["population"] / kelurahan["population"].sum())
    number = np.arange(1, n + 1)
    word = rng.choice(NAME_WORDS, n)
    names = [f"{NAME_PREFIX[t]} {w} {k} (sintetis)" for t, w, k in zip(types, word, number)]
    start_day = tl.days[0]
    opened = np.where(rng.random(n) < 0.8, start_day - rng.integers(30, 2000, n),
                      start_day + rng.integers(0, tl.n * 2 // 3, n))
    closed_weekdays = np.where(types == "practice", np.where(rng.random(n) < 0.7, "7", "67"),
                               np.where((types == "clinic") & (rng.random(n) < 0.3), "7", ""))
    return pd.DataFrame({
        "id": first_id + np.arange(n),
        "registry_code": [f"SYN-{t[:3].upper()}-{k:03d}" for t, k in zip(types, number)],
        "name": names,
        "type": types,
        "kelurahan_code": kelurahan["code"].to_numpy()[kel],
        "lat": kelurahan["centroid_lat"].to_numpy()[kel] + rng.normal(0, 0.004, n),
        "lon": kelurahan["centroid_lon"].to_numpy()[kel] + rng.normal(0, 0.004, n),
        "opened_on": pd.to_datetime(opened),
        "closed_on": pd.NaT,
        "closed_weekdays": closed_weekdays,
        "reports_daily": (types == "lab") | ((types == "clinic") & (rng.random(n) < 0.5)),
        "is_synthetic": True,
        "beds": pd.array([None] * n, dtype="Int64"),
        "source": SYNTHETIC_SOURCE,
    })


def _behaviours(rng: np.random.Generator, frame: pd.DataFrame, tl: Timeline) -> np.ndarray:
    """Misbehaviours go to synthetic clinics and practices open through the whole history."""
    behaviour = np.full(len(frame), "reliable", dtype=object)
    opened = pd.to_datetime(frame["opened_on"]).to_numpy().astype("datetime64[D]")
    eligible = frame["is_synthetic"].to_numpy() & (opened < tl.days[0]) & (frame["type"] != "lab").to_numpy()
    candidates = rng.permutation(np.flatnonzero(eligible))
    n_synthetic = int(frame["is_synthetic"].sum())
    taken = 0
    for name, per_hundred, at_least in BEHAVIOURS:
        count = max(at_least, int(round(n_synthetic * per_hundred / 100)))
        behaviour[candidates[taken:taken + count]] = name
        taken += count
    return behaviour


def _open_days(tl: Timeline, frame: pd.DataFrame) -> np.ndarray:
    days = tl.days
    opened = pd.to_datetime(frame["opened_on"]).to_numpy().astype("datetime64[D]")
    closed = pd.to_datetime(frame["closed_on"]).to_numpy().astype("datetime64[D]")
    is_open = (days[None, :] >= opened[:, None]) & ~(days[None, :] >= closed[:, None])
    iso_weekday = (tl.weekday + 1).astype(str)
    for i, closed_days in enumerate(frame["closed_weekdays"].fillna("")):
        for weekday in closed_days:
            is_open[i, iso_weekday == weekday] = False
    return is_open


def _authorizations(rng: np.random.Generator, tl: Timeline, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Back-to-back 180-day recommendations from Dinkes, with the odd gap, revocation and
    non-renewal; the fraud facilities get theirs revoked (or never get one)."""
    rows, types = [], []
    first_day, last_day = tl.days[0], tl.days[-1]
    unauthorised_seen = 0
    for _, facility in frame.iterrows():
        behaviour = facility["behaviour"]
        if behaviour == "unauthorized_issuer":
            unauthorised_seen += 1
            if unauthorised_seen % 2 == 0:
                continue  # never authorised, issues anyway; the others lose theirs by revocation
        steady = behaviour in ("implausible_negatives", "issuing_volume_spike")
        if not steady and rng.random() >= AUTHORISED_SHARE[facility["type"]]:
            continue
        opened = np.datetime64(pd.Timestamp(facility["opened_on"]).date(), "D")
        begin = max(opened, first_day - int(rng.integers(0, 180)))
        fraud_revoke = first_day + int(tl.n * rng.uniform(0.3, 0.5)) if behaviour == "unauthorized_issuer" else None
        stops_renewing = not steady and behaviour == "reliable" and rng.random() < 0.06
        while begin <= last_day:
            until = begin + AUTHORIZATION_DAYS - 1
            revoked, reason = None, None
            if fraud_revoke is not None and begin <= fraud_revoke <= until:
                revoked, reason = fraud_revoke, FRAUD_REVOKE_REASON
            elif not steady and fraud_revoke is None and rng.random() < 0.03:
                revoked = begin + int(rng.integers(10, 150))
                # A real facility is only ever shown giving its authorisation back.
                reason = REVOKE_REASONS[int(rng.integers(len(REVOKE_REASONS)))] if facility["is_synthetic"] \
                    else REVOKE_REASONS[-1]
            rows.append({
                "id": len(rows) + 1, "facility_id": int(facility["id"]),
                "number": f"440/{len(rows) + 1:05d}/DINKES-PKU/REK/{pd.Timestamp(begin).year}",
                "valid_from": begin, "valid_until": until,
                "revoked_at": None if revoked is None else revoked.astype("datetime64[s]") + 2 * HOUR,
                "revoked_reason": reason, "granted_by": GRANTED_BY,
            })
            types += [{"authorization_id": len(rows), "test_type": t} for t in TYPE_TESTS[facility["type"]]]
            if reason == FRAUD_REVOKE_REASON or (stops_renewing and until > first_day + tl.n // 2):
                break
            begin = (until + 1) if revoked is None else revoked + int(rng.integers(30, 90))
            if not steady and rng.random() < 0.15:
                begin += int(rng.integers(3, 20))
    authorizations = pd.DataFrame(rows)
    for column in ("valid_from", "valid_until"):
        authorizations[column] = pd.to_datetime(authorizations[column])
    authorizations["revoked_at"] = pd.to_datetime(authorizations["revoked_at"])
    return authorizations, pd.DataFrame(types)


def _authorised_days(tl: Timeline, frame: pd.DataFrame, authorizations: pd.DataFrame,
                     test_types: pd.DataFrame) -> np.ndarray:
    """[facility, test type, day]: a valid, unrevoked authorisation covers the whole WIB day."""
    position = pd.Series(np.arange(len(frame)), index=frame["id"])
    authorised = np.zeros((len(frame), len(TEST_TYPES), tl.n), dtype=bool)
    joined = test_types.merge(authorizations, left_on="authorization_id", right_on="id")
    days = tl.days
    for row in joined.itertuples():
        valid = (days >= np.datetime64(row.valid_from.date(), "D")) & (days <= np.datetime64(row.valid_until.date(), "D"))
        if not pd.isna(row.revoked_at):
            valid &= days < np.datetime64(tl.wib_days(np.array([row.revoked_at], dtype="datetime64[s]"))[0], "D")
        authorised[position[row.facility_id], TEST_TYPES.index(row.test_type)] |= valid
    return authorised


def may_test(plan: FacilityPlan, issues_certificate: bool) -> np.ndarray:
    """[facility, test type, day] where a facility can be given a test: open, capable, and (for
    clinics, labs and practices, or whenever a certificate is issued) authorised; unauthorised
    issuers test and issue regardless."""
    frame = plan.frame
    capable = np.array([[t in TYPE_TESTS[kind] for t in TEST_TYPES] for kind in frame["type"]])
    needs_authorisation = np.ones(len(frame), dtype=bool) if issues_certificate else \
        ~frame["type"].isin(["hospital", "puskesmas"]).to_numpy()
    needs_authorisation &= frame["behaviour"].to_numpy() != "unauthorized_issuer"
    allowed = plan.authorised | ~needs_authorisation[:, None, None]
    return allowed & capable[:, :, None] & plan.open_days[:, None, :]


def capacity(plan: FacilityPlan, travel: bool = False, positives: bool = False) -> np.ndarray:
    """[facility, test type] relative weights of getting a test."""
    frame = plan.frame
    weights = np.array([CAPACITY[kind] for kind in frame["type"]]) * frame["size"].to_numpy()[:, None]
    behaviour = frame["behaviour"].to_numpy()
    if travel:
        weights = weights * frame["type"].map(TRAVEL_APPEAL).to_numpy()[:, None]
        weights[behaviour == "implausible_negatives"] *= 8
        weights[behaviour == "unauthorized_issuer"] *= 1.5
    if positives:
        weights[behaviour == "implausible_negatives"] = 0
    return weights


def assign(rng: np.random.Generator, day_idx: np.ndarray, type_idx: np.ndarray, weights: np.ndarray,
           allowed: np.ndarray) -> np.ndarray:
    """A facility position for each test, drawn per (day, test type) among the allowed ones."""
    n_types = weights.shape[1]
    key = day_idx.astype(np.int64) * n_types + type_idx
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    bounds = np.flatnonzero(np.diff(sorted_key)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(key)]])
    out = np.empty(len(key), dtype=np.int64)
    for start, end in zip(starts, ends):
        if start == end:
            continue
        day, kind = divmod(int(sorted_key[start]), n_types)
        p = weights[:, kind] * allowed[:, kind, day]
        if p.sum() == 0:
            p = weights[:, kind] + 1e-9
        out[order[start:end]] = rng.choice(len(p), end - start, p=p / p.sum())
    return out


REPORTING = {
    # behaviour: (share of expected days reported, share submitted on time)
    "reliable": (0.99, 0.96),
    "late_reporter": (0.93, 0.25),
    "silent_facility": (0.97, 0.9),
}


def reports(rng: np.random.Generator, tl: Timeline, plan: FacilityPlan,
            tests: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, int]]:
    """Daily reports for every expected day (open, and reporting daily or authorised): tests done
    about equal to the results sent that day, submitted on time or late per behaviour, none from
    a silent facility in its last days, none submitted after `end`. Also returns, per silent
    facility position, the first day it no longer reports."""
    frame = plan.frame
    expected = plan.open_days & (frame["reports_daily"].to_numpy()[:, None] | plan.authorised.any(axis=1))
    fac_pos, day_idx = np.nonzero(expected)
    behaviour = frame["behaviour"].to_numpy()[fac_pos]
    reported_share = np.array([REPORTING.get(b, (0.95, 0.85))[0] for b in behaviour])
    on_time_share = np.array([REPORTING.get(b, (0.95, 0.85))[1] for b in behaviour])
    keep = rng.random(len(fac_pos)) < reported_share
    silent = np.flatnonzero(frame["behaviour"].to_numpy() == "silent_facility")
    silent_from = {int(f): tl.n - int(rng.integers(4, 10)) for f in silent}
    for f, first_silent_day in silent_from.items():
        keep &= ~((fac_pos == f) & (day_idx >= first_silent_day))
    fac_pos, day_idx, on_time_share = fac_pos[keep], day_idx[keep], on_time_share[keep]

    deadline = tl.day_start[day_idx] + DAY + 12 * HOUR
    on_time = rng.random(len(fac_pos)) < on_time_share
    # On time: from 18:00 WIB on the day to the deadline; late: hours to days after it.
    offset = np.where(on_time, rng.uniform(-18, -0.2, len(fac_pos)), rng.exponential(20, len(fac_pos)) + 0.1)
    submitted = deadline + (offset * 3600).astype(np.int64) * SECOND
    keep = submitted <= tl.end
    fac_pos, day_idx, submitted = fac_pos[keep], day_idx[keep], submitted[keep]

    counts = tests.assign(positive=tests["result"] == "positive").groupby(["facility_pos", "day_idx"]).agg(
        tests=("positive", "size"), positives=("positive", "sum"))
    lookup = counts.reindex(pd.MultiIndex.from_arrays([fac_pos, day_idx])).fillna(0).to_numpy()
    noise = rng.normal(1.0, 0.02, len(fac_pos))
    gap = rng.random(len(fac_pos)) < 0.03
    noise[gap] *= rng.choice([0.7, 1.3], int(gap.sum()))
    done = np.rint(lookup[:, 0] * noise).astype(np.int64)
    positives = np.minimum(np.rint(lookup[:, 1] * noise).astype(np.int64), done)
    order = np.lexsort((fac_pos, day_idx))
    return pd.DataFrame({
        "id": np.arange(1, len(order) + 1),
        "facility_id": plan.ids[fac_pos[order]],
        "report_day": pd.to_datetime(tl.days[day_idx[order]]),
        "submitted_at": submitted[order],
        "tests_done": done[order],
        "positives": positives[order],
    }), silent_from
