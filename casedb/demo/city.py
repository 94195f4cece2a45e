"""Generate every row of the demo city in memory, as one DataFrame per table (in write order).

One numpy Generator drives everything, consumed in a fixed order, so the same seed and end give the
same rows. Everything is vectorised over rows; Python loops run over days, facilities or blocks only.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from casedb import reference
from casedb.certificates import DEMO_CERTIFICATE_KEY, check_codes
from casedb.cells import cell_columns
from casedb.demo import epidemic, facilities, people, travel
from casedb.demo.epidemic import ANTIGEN, test_block, to_moments
from casedb.demo.scales import HISTORY_DAYS, Scale
from casedb.demo.timeline import DAY, HOUR, Timeline
from casedb.ingest import cases as cases_rule
from casedb.schema import TEST_TYPES

ANTIBODY_SHARE = 0.04          # of all tests
TRAVEL_SHARE = 0.3             # of all tests: the travel tests behind documented trips
IMPORTED_SHARE = 0.06          # cases who came back from a trip shortly before confirmation
CERTIFIED_NEGATIVE_SHARE = 0.05  # other negatives that also get a certificate (work, school)
CERTIFIED_POSITIVE_SHARE = 0.03
CHECK_CODE_ALPHABET = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))  # of the dropped draw


def generate(rng: np.random.Generator, end, scale: Scale, progress: Callable[[float, str], None]) -> dict[str, pd.DataFrame]:
    tl = Timeline.ending(end, HISTORY_DAYS)
    kelurahan = reference.kelurahan_frame()
    kecamatan = reference.kecamatan_frame()
    external = reference.external_region_frame()
    entry_points = reference.entry_point_frame().assign(id=lambda f: np.arange(1, len(f) + 1))
    real = reference.facility_frame().assign(id=lambda f: np.arange(1, len(f) + 1))

    progress(0.02, "facilities")
    plan = facilities.plan(rng, tl, real, kelurahan, scale.facilities)
    progress(0.05, "persons")
    persons = people.persons(rng, scale.people, kelurahan, external, int(str(tl.days[-1])[:4]))
    progress(0.12, "cases and contacts")
    cases = epidemic.cases(rng, tl, persons, kelurahan, scale.cases)
    contacts, contact_tests = epidemic.contacts(rng, tl, cases, persons, scale.contacts)
    followups = epidemic.follow_up_tests(rng, tl, cases)
    progress(0.2, "trips")
    trips = pd.concat([travel.trips(rng, tl, persons, entry_points, external, scale.movements),
                       _imported_trips(rng, tl, cases, entry_points)], ignore_index=True)
    n_travel = int(scale.tests * TRAVEL_SHARE)
    travel_tests = travel.travel_tests(rng, tl, trips, n_travel)
    n_antibody = int(scale.tests * ANTIBODY_SHARE)
    n_visitor_positive = max(10, scale.cases // 50)
    blocks = {"case": epidemic.case_tests(cases), "followup": followups, "contact": contact_tests,
              "travel": travel_tests}
    n_negative = scale.tests - sum(len(b) for b in blocks.values()) - n_antibody - n_visitor_positive
    blocks["negative"], blocks["antibody"], blocks["visitor"] = epidemic.other_tests(
        rng, tl, persons, max(n_negative, 0), n_antibody, n_visitor_positive)

    progress(0.3, "tests")
    for name, block in blocks.items():
        block["facility_pos"] = _assign(rng, tl, plan, block)
    frauds = Frauds(rng, tl, plan, max(4, scale.cases // 150))
    blocks["elsewhere"] = frauds.negative_elsewhere(cases, blocks["case"])
    blocks["spike"] = frauds.volume_spike(blocks["travel"], persons)
    tests, test_ids = _tests(rng, tl, plan, blocks, persons)

    progress(0.45, "certificates")
    certificates = _certificates(rng, tl, plan, blocks, test_ids)
    certificates = frauds.certificates(certificates, blocks, test_ids, trips, tests)
    certificates = _number_certificates(rng, certificates, plan)
    progress(0.55, "movements")
    movements = travel.legs(rng, tl, trips, certificates.assign(test_row=certificates["travel_row"]))
    movements = frauds.presentations(movements, certificates, trips)
    movements = _finish_movements(movements, certificates, plan, persons, entry_points)
    certificates["authorised"] = travel.authorised_at(
        certificates.assign(cert_pos=np.arange(len(certificates))), plan.authorizations, plan.authorization_test_types)

    progress(0.65, "cases, contacts and reports")
    case_rows = _cases(rng, tl, cases, tests, persons, kecamatan, movements)
    contact_rows = _contacts(contacts, cases, persons)
    reports, silent_from = facilities.reports(rng, tl, plan, tests)
    truth = frauds.ground_truth(certificates, movements, silent_from, tests)

    key = persons["person_key"].to_numpy()
    facility_rows = plan.frame[plan.frame["is_synthetic"]].drop(columns=["behaviour", "size"])
    return {
        "facilities": facility_rows,
        "authorizations": plan.authorizations,
        "authorization_test_types": plan.authorization_test_types,
        # In key order: the primary-key index then grows at its end instead of at random pages.
        "persons": persons.sort_values("person_key").reset_index(drop=True),
        "test_results": tests.assign(person_key=key[tests["person"].to_numpy()]).drop(
            columns=["person", "facility_pos", "day_idx"]),
        "certificates": certificates.assign(person_key=key[certificates["person"].to_numpy()])[
            ["id", "number", "check_code", "facility_id", "test_result_id", "person_key", "test_type",
             "certified_result", "issued_at", "issued_day", "valid_until", "revoked_at"]],
        "cases": case_rows,
        "contacts": contact_rows,
        "movements": movements.assign(person_key=key[movements["person"].to_numpy()]).drop(columns=["person", "fraud"]),
        "facility_reports": reports,
        "demo_ground_truth": truth,
        "_kept_real_facility_ids": plan.frame.loc[~plan.frame["is_synthetic"], ["id"]],
    }


def numbered(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """prefix + zero-padded numbers, e.g. M0000000042, built as bytes (fast for millions)."""
    digits = (numbers[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10 + ord("0")
    text = np.concatenate([np.full((len(numbers), 1), ord(prefix)), digits], axis=1).astype(np.uint8)
    return text.view(f"S{width + 1}").ravel().astype(f"U{width + 1}")


def _imported_trips(rng: np.random.Generator, tl: Timeline, cases: pd.DataFrame, entry_points: pd.DataFrame) -> pd.DataFrame:
    """Residents who come back from a trip a few days before they are confirmed."""
    confirmed = cases["confirmed_at"].to_numpy()
    chosen = np.flatnonzero((rng.random(len(cases)) < IMPORTED_SHARE) & (cases["parent"].to_numpy() < 0)
                            & (confirmed - 21 * DAY >= tl.start))
    n = len(chosen)
    back = confirmed[chosen] - to_moments(rng.uniform(12, 12 * 24, n))
    left = back - to_moments(rng.uniform(2 * 24, 8 * 24, n))
    airport = np.flatnonzero(entry_points["type"].to_numpy() == "airport")
    point = np.where(rng.random(n) < 0.5, airport[0], rng.integers(0, len(entry_points), n))
    types = entry_points["type"].to_numpy()[point]
    mode = pd.Series(types).map(travel.MODE_OF_TYPE).fillna("car").to_numpy()
    far = np.where(mode == "air", "31", "14.01")
    return pd.DataFrame({"person": cases["person"].to_numpy()[chosen], "resident": True, "entry_point": point,
                         "mode": mode, "region_code": far, "first_at": left, "second_at": back,
                         "documented": False, "test_row": -1})


def _assign(rng: np.random.Generator, tl: Timeline, plan: facilities.FacilityPlan, block: pd.DataFrame) -> np.ndarray:
    kind = block["weights"].iloc[0] if len(block) else "normal"
    weights = facilities.capacity(plan, travel=kind == "travel", positives=kind in ("positives", "followup"))
    allowed = facilities.may_test(plan, issues_certificate=kind == "travel")
    day_idx = np.clip(tl.day_of(block["result_at"].to_numpy()), 0, tl.n - 1)
    return facilities.assign(rng, day_idx, block["type_idx"].to_numpy(), weights, allowed)


def _tests(rng: np.random.Generator, tl: Timeline, plan: facilities.FacilityPlan, blocks: dict[str, pd.DataFrame],
           persons: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """All test rows with ids in order of result, and each block's ids by row."""
    frame = pd.concat([b.assign(block=name, row=np.arange(len(b))) for name, b in blocks.items()], ignore_index=True)
    frame = frame.sort_values(["result_at", "facility_pos", "person", "block", "row"], kind="stable").reset_index(drop=True)
    frame["id"] = np.arange(1, len(frame) + 1)
    ids = {name: np.empty(len(b), dtype=np.int64) for name, b in blocks.items()}
    for name, part in frame.groupby("block", sort=True):
        ids[name][part["row"].to_numpy()] = part["id"].to_numpy()

    behaviour = plan.frame["behaviour"].to_numpy()[frame["facility_pos"].to_numpy()]
    hours = np.where(behaviour == "late_reporter", rng.lognormal(np.log(30), 0.7, len(frame)),
                     np.minimum(rng.lognormal(np.log(1.5), 1.0, len(frame)), 72))
    result_at = frame["result_at"].to_numpy()
    reported_at = np.minimum(result_at + to_moments(hours), tl.end)
    fac_ids = plan.ids[frame["facility_pos"].to_numpy()]
    tests = pd.DataFrame({
        "id": frame["id"], "facility_id": fac_ids, "test_type": np.array(TEST_TYPES)[frame["type_idx"].to_numpy()],
        "purpose": frame["purpose"], "specimen_at": frame["specimen_at"], "result_at": result_at,
        "reported_at": reported_at, "result_day": pd.to_datetime(tl.wib_days(result_at)), "result": frame["result"],
        "source_ref": numbered("T", frame["id"].to_numpy(), 9),
        "person": frame["person"], "facility_pos": frame["facility_pos"], "day_idx": tl.day_of(result_at),
    })
    return tests, ids


def _certificates(rng: np.random.Generator, tl: Timeline, plan: facilities.FacilityPlan,
                  blocks: dict[str, pd.DataFrame], test_ids: dict[str, np.ndarray]) -> pd.DataFrame:
    """Certificates issued by the testing facility minutes after the result: every travel test,
    and a few other negatives and positives where the facility is authorised that day."""
    parts = []
    for name, share in (("travel", 1.0), ("elsewhere", 1.0), ("spike", 1.0), ("negative", CERTIFIED_NEGATIVE_SHARE),
                        ("case", CERTIFIED_POSITIVE_SHARE)):
        block = blocks[name]
        rows = np.flatnonzero((rng.random(len(block)) < share) & (block["type_idx"].to_numpy() != epidemic.ANTIBODY)
                              & (block["result"].to_numpy() != "invalid"))
        if share < 1:
            day = np.clip(tl.day_of(block["result_at"].to_numpy()[rows]), 0, tl.n - 1)
            rows = rows[plan.authorised[block["facility_pos"].to_numpy()[rows], block["type_idx"].to_numpy()[rows], day]]
        parts.append(pd.DataFrame({
            "test_result_id": test_ids[name][rows], "facility_pos": block["facility_pos"].to_numpy()[rows],
            "person": block["person"].to_numpy()[rows], "type_idx": block["type_idx"].to_numpy()[rows],
            "certified_result": block["result"].to_numpy()[rows],
            "issued_at": block["result_at"].to_numpy()[rows] + to_moments(rng.uniform(2 / 60, 1, len(rows))),
            "travel_row": rows if name == "travel" else -1, "source": name,
        }))
    certificates = pd.concat(parts, ignore_index=True)
    certificates["revoked_at"] = pd.NaT
    return certificates[certificates["issued_at"] <= tl.end].reset_index(drop=True)


def _number_certificates(rng: np.random.Generator, certificates: pd.DataFrame, plan: facilities.FacilityPlan) -> pd.DataFrame:
    certificates = certificates.sort_values(["issued_at", "facility_pos", "person"], kind="stable").reset_index(drop=True)
    certificates["id"] = np.arange(1, len(certificates) + 1)
    certificates["facility_id"] = plan.ids[certificates["facility_pos"].to_numpy()]
    certificates["test_type"] = np.array(TEST_TYPES)[certificates["type_idx"].to_numpy()]
    issued = certificates["issued_at"].to_numpy()
    certificates["issued_day"] = pd.to_datetime((issued + 7 * HOUR).astype("datetime64[D]"))
    certificates["valid_until"] = issued + travel.certificate_validity(certificates["test_type"].to_numpy())
    yymmdd = pd.Series((issued + 7 * HOUR).astype("datetime64[D]").astype(str)).str.replace("-", "").str.slice(2)
    certificates["number"] = ("SKB-" + certificates["facility_id"].astype(str).str.zfill(3) + "-" + yymmdd + "-"
                              + certificates["id"].astype(str).str.zfill(7)).to_numpy()
    # Check codes are the register's keyed MAC of the number (casedb.certificates), under the demo
    # key. The random codes of earlier versions are still drawn, and dropped, so that the generator's
    # later draws, and with them the rest of the city, stay what they were.
    rng.integers(0, len(CHECK_CODE_ALPHABET), (len(certificates), 8))
    certificates["check_code"] = check_codes(certificates["number"], DEMO_CERTIFICATE_KEY)
    return certificates


def _finish_movements(movements: pd.DataFrame, certificates: pd.DataFrame, plan: facilities.FacilityPlan,
                      persons: pd.DataFrame, entry_points: pd.DataFrame) -> pd.DataFrame:
    authorised = travel.authorised_at(certificates.assign(cert_pos=np.arange(len(certificates))),
                                      plan.authorizations, plan.authorization_test_types)
    order = np.lexsort([movements[c].to_numpy() for c in ("leg", "trip", "person", "entry_point")]
                       + [movements["at"].to_numpy().astype(np.int64)])
    movements = movements.iloc[order].reset_index(drop=True)
    movements["document_status"] = travel.document_status(movements, certificates, authorised)
    ids = np.arange(1, len(movements) + 1)
    at = movements["at"].to_numpy()
    return pd.DataFrame({
        "id": ids, "person": movements["person"].to_numpy(),
        "entry_point_id": entry_points["id"].to_numpy()[movements["entry_point"].to_numpy()],
        "direction": movements["direction"], "at": at, "day": pd.to_datetime((at + 7 * HOUR).astype("datetime64[D]")),
        "region_code": movements["region_code"], "mode": movements["mode"],
        "certificate_number": movements["certificate_number"], "document_status": movements["document_status"],
        "screening_result": movements["screening_result"], "screening_test_type": movements["screening_test_type"],
        "source_ref": numbered("M", ids, 10),
        "fraud": movements["fraud"],
    })


def _confirmations(tests: pd.DataFrame, persons: pd.DataFrame, person: np.ndarray) -> pd.DataFrame:
    """The confirming result (test_result_id, result_at) of each case's person, in case order, by
    ingestion's rule over every generated result: the generator's cases must be exactly the people
    the rule confirms, or the demo's figures would not be production's."""
    who = tests["person"].to_numpy()
    confirmed = cases_rule.confirmations(pd.DataFrame({
        "test_result_id": tests["id"].to_numpy(), "person_key": who, "test_type": tests["test_type"].to_numpy(),
        "result": tests["result"].to_numpy(), "result_at": tests["result_at"].to_numpy(),
        "is_resident": persons["is_resident"].to_numpy()[who],
        "home_kelurahan_code": persons["home_kelurahan_code"].to_numpy()[who],
    })).set_index("person_key")
    if len(confirmed) != len(person) or not confirmed.index.isin(person).all():
        raise RuntimeError(f"the demo's {len(person)} cases are not the {len(confirmed)} that its results confirm")
    return confirmed.loc[person]


def _cases(rng: np.random.Generator, tl: Timeline, cases: pd.DataFrame, tests: pd.DataFrame, persons: pd.DataFrame,
           kecamatan: pd.DataFrame, movements: pd.DataFrame) -> pd.DataFrame:
    person = cases["person"].to_numpy()
    confirming = _confirmations(tests, persons, person)
    test_ids = confirming["test_result_id"].to_numpy()
    confirmed = confirming["result_at"].to_numpy()
    ids = np.arange(1, len(cases) + 1)
    kel = persons["home_kelurahan_code"].to_numpy()[person]
    kecamatan_name = kecamatan.set_index("code")["name"].reindex(pd.Series(kel).str.slice(0, 8)).to_numpy()
    age = pd.DatetimeIndex(confirmed).year.to_numpy() - persons["birth_year"].to_numpy()[person]
    entries = movements.loc[movements["direction"] == "in", ["person", "at", "region_code"]].rename(
        columns={"person": "person_key", "at": "entered_at"})
    origins = cases_rule.import_origins(pd.DataFrame({"person_key": person, "confirmed_at": confirmed}), entries)

    outcome = epidemic.outcomes(rng, tl, confirmed, age)
    days = {k: pd.to_datetime((v + 7 * HOUR).astype("datetime64[D]")) for k, v in outcome.items()}
    return pd.DataFrame({
        "id": ids, "person_key": persons["person_key"].to_numpy()[person], "test_result_id": test_ids,
        "confirmed_at": confirmed, "confirmed_day": pd.to_datetime((confirmed + 7 * HOUR).astype("datetime64[D]")),
        "kelurahan_code": kel, "approx_lat": persons["approx_lat"].to_numpy()[person],
        "approx_lon": persons["approx_lon"].to_numpy()[person], "age_group": cases_rule.age_group(pd.Series(age)).to_numpy(),
        "sex": persons["sex"].to_numpy()[person], "cluster": epidemic.clusters(cases, kecamatan_name),
        "hospitalised_at": outcome["hospitalised_at"], "recovered_at": outcome["recovered_at"],
        "recovered_day": days["recovered_at"], "died_at": outcome["died_at"], "died_day": days["died_at"],
        "is_imported": origins["is_imported"].to_numpy(), "import_region_code": origins["import_region_code"].to_numpy(),
        **cell_columns(persons["approx_lat"].to_numpy()[person], persons["approx_lon"].to_numpy()[person]),
    })


def _contacts(contacts: pd.DataFrame, cases: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    contacts = contacts.sort_values(["listed_at", "index_case", "person"], kind="stable").reset_index(drop=True)
    became = contacts["became_case"].to_numpy()
    return pd.DataFrame({
        "id": np.arange(1, len(contacts) + 1), "index_case_id": contacts["index_case"].to_numpy() + 1,
        "contact_person_key": persons["person_key"].to_numpy()[contacts["person"].to_numpy()],
        "relation": contacts["relation"], "listed_at": contacts["listed_at"], "traced_at": contacts["traced_at"],
        "tested_at": contacts["tested_at"], "test_result": contacts["test_result"],
        "quarantine_until": contacts["quarantine_until"], "last_followup_at": contacts["last_followup_at"],
        "became_case_id": pd.Series(became + 1, dtype="Int64").where(became >= 0),
    })


class Frauds:
    """The injected frauds of DESIGN section 3 "Health documents", each labelled for ground truth."""

    ELSEWHERE_DAYS = 7  # signal 5's window

    def negative_elsewhere_by_chance(self, certificates: pd.DataFrame, tests: pd.DataFrame) -> np.ndarray:
        """Unlabelled negative certificates of a person with a PCR or antigen positive at another
        facility in the 7 days before issue (at most 7 x 24 h), as a mask over `certificates`."""
        positives = tests.loc[(tests["result"] == "positive") & tests["test_type"].isin(["pcr", "antigen"]),
                              ["person", "facility_id", "result_at"]]
        open_ = certificates[certificates["fraud"].isna() & (certificates["certified_result"] == "negative")]
        pairs = open_[["person", "facility_id", "issued_at"]].reset_index().merge(positives, on="person",
                                                                                  suffixes=("", "_positive"))
        hit = pairs[(pairs["facility_id_positive"] != pairs["facility_id"]) & (pairs["result_at"] <= pairs["issued_at"])
                    & (pairs["issued_at"] - pairs["result_at"] <= pd.Timedelta(days=self.ELSEWHERE_DAYS))]
        mask = np.zeros(len(certificates), dtype=bool)
        mask[certificates.index.get_indexer(hit["index"].unique())] = True
        return mask

    def __init__(self, rng: np.random.Generator, tl: Timeline, plan: facilities.FacilityPlan, count: int):
        self.rng, self.tl, self.plan, self.count = rng, tl, plan, count
        self.crook = int(plan.index_of("implausible_negatives")[0])
        self.spiker = int(plan.index_of("issuing_volume_spike")[0])
        self.spike_days: tuple[int, int] = (0, 0)

    def negative_elsewhere(self, cases: pd.DataFrame, case_tests: pd.DataFrame) -> pd.DataFrame:
        """Signal 5: a case gets a negative certificate at another facility within 7 days."""
        rng, tl = self.rng, self.tl
        confirmed = cases["confirmed_at"].to_numpy()
        eligible = np.flatnonzero((confirmed + 6 * DAY <= tl.end) & (case_tests["facility_pos"].to_numpy() != self.crook))
        chosen = np.sort(rng.choice(eligible, min(self.count, len(eligible)), replace=False))
        result_at = confirmed[chosen] + to_moments(rng.uniform(24, 144, len(chosen)))
        antigen = np.full(len(chosen), ANTIGEN)
        return test_block(cases["person"].to_numpy()[chosen], antigen, "travel", "negative",
                          result_at - to_moments(rng.uniform(0.25, 1, len(chosen))), result_at, "fixed",
                          certificate=True, facility_pos=self.crook)

    def volume_spike(self, travel_tests: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
        """Signal 6: one facility issues several times its usual daily volume for five days."""
        rng, tl = self.rng, self.tl
        own = travel_tests["facility_pos"].to_numpy() == self.spiker
        daily = np.bincount(tl.day_of(travel_tests["result_at"].to_numpy()[own]), minlength=tl.n)
        first = int(rng.integers(int(tl.n * 0.55), int(tl.n * 0.85)))
        self.spike_days = (first, first + 4)
        per_day = max(15, 6 * int(max(np.median(daily[daily > 0]) if daily.any() else 1, 1)))
        day_idx = np.repeat(np.arange(first, first + 5), per_day)
        result_at = tl.moments(rng, day_idx, 8, 21)
        visitors = np.flatnonzero(~persons["is_resident"].to_numpy())
        antigen = np.full(len(day_idx), ANTIGEN)
        return test_block(rng.choice(visitors, len(day_idx)), antigen, "travel", "negative",
                          result_at - to_moments(rng.uniform(0.25, 1, len(day_idx))), result_at, "fixed",
                          certificate=True, facility_pos=self.spiker)

    def certificates(self, certificates: pd.DataFrame, blocks: dict[str, pd.DataFrame], test_ids: dict[str, np.ndarray],
                     trips: pd.DataFrame, tests: pd.DataFrame) -> pd.DataFrame:
        """Signals 2 and 3: certificates with no test, with another person's test, issued before
        the result, and negative over a positive result."""
        rng, tl, n = self.rng, self.tl, self.count
        certificates = certificates.assign(fraud=None)
        certificates.loc[certificates["source"] == "elsewhere", "fraud"] = "positive_then_negative_elsewhere"

        crook_travel = np.flatnonzero((certificates["source"] == "travel").to_numpy()
                                      & (certificates["facility_pos"].to_numpy() == self.crook))
        early = rng.choice(crook_travel, min(n, len(crook_travel)), replace=False)
        result_at = tests.set_index("id")["result_at"].reindex(certificates["test_result_id"].to_numpy()[early]).to_numpy()
        certificates.loc[early, "issued_at"] = result_at - to_moments(rng.uniform(2, 20, len(early)))
        certificates.loc[early, "fraud"] = "issued_before_result"

        case_block = blocks["case"]
        day = np.clip(tl.day_of(case_block["result_at"].to_numpy()), 0, tl.n - 1)
        fac = case_block["facility_pos"].to_numpy()
        eligible = np.flatnonzero(self.plan.frame["is_synthetic"].to_numpy()[fac]
                                  & self.plan.authorised[fac, case_block["type_idx"].to_numpy(), day])
        over = np.sort(rng.choice(eligible, min(n, len(eligible)), replace=False))
        issued = case_block["result_at"].to_numpy()[over] + to_moments(rng.uniform(0.1, 2, len(over)))
        revoked = issued + to_moments(rng.uniform(48, 240, len(over)))
        forged = [pd.DataFrame({
            "test_result_id": test_ids["case"][over], "facility_pos": fac[over], "person": case_block["person"].to_numpy()[over],
            "type_idx": case_block["type_idx"].to_numpy()[over], "certified_result": "negative", "issued_at": issued,
            "travel_row": -1, "source": "forged", "revoked_at": np.where(revoked <= tl.end, revoked, np.datetime64("NaT")),
            "fraud": "negative_over_positive"})]

        # Certificates for undocumented trips: no test at all, or someone else's test.
        open_trips = np.flatnonzero(~trips["documented"].to_numpy() & (trips["first_at"].to_numpy() >= tl.start + 3 * DAY))
        chosen = rng.choice(open_trips, min(2 * n, len(open_trips)), replace=False)
        issued = trips["first_at"].to_numpy()[chosen] - to_moments(rng.uniform(3, 30, len(chosen)))
        no_test, other = chosen[:n], chosen[n:]
        travel_ids = test_ids["travel"]
        travel_result = blocks["travel"]["result_at"].to_numpy()
        order = np.argsort(travel_result, kind="stable")
        earlier = np.searchsorted(travel_result[order], issued[n:])
        has_earlier = earlier > 0
        borrowed = order[np.floor(rng.random(len(other)) * np.maximum(earlier, 1)).astype(np.int64)]
        for trips_chosen, issued_at, test_id, kind in (
                (no_test, issued[:n], np.full(len(no_test), -1), "no_matching_test"),
                (other[has_earlier], issued[n:][has_earlier], travel_ids[borrowed[has_earlier]], "result_of_other_person")):
            forged.append(pd.DataFrame({
                "test_result_id": test_id, "facility_pos": self.crook, "person": trips["person"].to_numpy()[trips_chosen],
                "type_idx": ANTIGEN, "certified_result": "negative", "issued_at": issued_at, "travel_row": -1,
                "source": "forged", "revoked_at": pd.NaT, "fraud": kind, "trip": trips_chosen}))
        certificates = pd.concat([certificates, *forged], ignore_index=True)
        certificates["trip"] = certificates["trip"].fillna(-1).astype(np.int64)
        certificates["test_result_id"] = certificates["test_result_id"].astype("Int64").where(
            certificates["test_result_id"] >= 0)
        return certificates

    def presentations(self, movements: pd.DataFrame, certificates: pd.DataFrame, trips: pd.DataFrame) -> pd.DataFrame:
        """Signals 4 and 7 and unknown numbers at checkpoints; forged certificates presented too."""
        rng, n = self.rng, self.count
        movements = movements.assign(fraud=None)
        first_leg = movements["leg"].to_numpy() == 0
        forged = certificates[certificates["trip"] >= 0]
        leg_of_trip = pd.Series(np.flatnonzero(first_leg), index=movements["trip"].to_numpy()[first_leg])
        movements.loc[leg_of_trip.reindex(forged["trip"].to_numpy()).to_numpy(), "certificate_number"] = forged["number"].to_numpy()

        undocumented = np.flatnonzero(movements["certificate_number"].isna().to_numpy())
        at = movements["at"].to_numpy()
        by_time = undocumented[np.argsort(at[undocumented], kind="stable")]
        honest = certificates[(certificates["source"] == "travel") & certificates["fraud"].isna()]
        shared = honest.iloc[np.sort(rng.choice(len(honest), min(n, len(honest)), replace=False))]
        lo = np.searchsorted(at[by_time], shared["issued_at"].to_numpy())
        hi = np.searchsorted(at[by_time], shared["valid_until"].to_numpy())
        for copy in range(2):
            pick = lo + np.floor(rng.random(len(shared)) * (hi - lo)).astype(np.int64)
            ok = (hi > lo) & (pick < len(by_time))
            rows = by_time[pick[ok]]
            movements.loc[rows, "certificate_number"] = shared["number"].to_numpy()[ok]
        self.shared_numbers = shared["number"].to_numpy()

        second = movements["leg"].to_numpy() == 1
        of_travel_test = certificates[certificates["travel_row"] >= 0].set_index("travel_row")
        valid_until = of_travel_test["valid_until"]
        trip_test = trips["test_row"].to_numpy()[movements["trip"].to_numpy()]
        late = np.flatnonzero(second & (trip_test >= 0) & movements["certificate_number"].isna().to_numpy())
        late = late[at[late] > valid_until.reindex(trip_test[late]).to_numpy()]
        late = np.sort(rng.choice(late, min(2 * n, len(late)), replace=False))
        number_of_test = of_travel_test["number"]
        movements.loc[late, "certificate_number"] = number_of_test.reindex(trip_test[late]).to_numpy()
        movements.loc[late, "fraud"] = "presented_after_expiry"

        still_open = np.flatnonzero(movements["certificate_number"].isna().to_numpy())
        unknown = np.sort(rng.choice(still_open, min(2 * n, len(still_open)), replace=False))
        day = pd.Series((at[unknown] + 7 * HOUR).astype("datetime64[D]").astype(str)).str.replace("-", "").str.slice(2)
        movements.loc[unknown, "certificate_number"] = ("SKB-" + pd.Series(rng.integers(1, 300, len(unknown))).astype(str)
                                                        .str.zfill(3) + "-" + day + "-9" + pd.Series(
                                                            np.arange(len(unknown))).astype(str).str.zfill(6)).to_numpy()
        movements.loc[unknown, "fraud"] = "unknown_certificate_number"
        return movements

    def ground_truth(self, certificates: pd.DataFrame, movements: pd.DataFrame, silent_from: dict[int, int],
                     tests: pd.DataFrame) -> pd.DataFrame:
        frame, tl = self.plan.frame, self.tl
        rows = []
        for pos in range(len(frame)):
            behaviour = frame["behaviour"].iat[pos]
            if behaviour == "reliable":
                continue
            detail = {
                "late_reporter": "reports and results mostly after the deadline",
                "silent_facility": f"no reports from {tl.days[silent_from.get(pos, tl.n - 1)]}",
                "unauthorized_issuer": "issues certificates without a valid authorisation",
                "implausible_negatives": "antigen tests almost never positive; issues many travel certificates",
                "issuing_volume_spike": f"issuing volume spike {tl.days[self.spike_days[0]]}..{tl.days[self.spike_days[1]]}",
            }[behaviour]
            rows.append(("facility", int(frame["id"].iat[pos]), behaviour, detail))
        unauthorised = ~certificates["authorised"].to_numpy()
        labelled = certificates.assign(
            fraud=np.where(certificates["fraud"].isna() & unauthorised, "unauthorized_issuer", certificates["fraud"]))
        labelled.loc[labelled["number"].isin(self.shared_numbers), "fraud"] = "shared_certificate_number"
        by_chance = self.negative_elsewhere_by_chance(labelled, tests)
        labelled.loc[by_chance, "fraud"] = "positive_then_negative_elsewhere"
        for row in labelled.dropna(subset=["fraud"]).itertuples():
            rows.append(("certificate", row.id, row.fraud, row.number))
        for row in movements.dropna(subset=["fraud"]).itertuples():
            rows.append(("movement", row.id, row.fraud, row.certificate_number))
        truth = pd.DataFrame(rows, columns=["entity", "entity_id", "kind", "detail"])
        # Signal 5 also happens by chance: a traveller's honest negative certificate a few days after a
        # positive elsewhere (random travel tests meet recent cases). It is in the data all the same.
        chance_ids = set(labelled.loc[by_chance, "id"].astype(str))
        truth.loc[(truth["entity"] == "certificate") & truth["entity_id"].astype(str).isin(chance_ids), "detail"] = \
            truth["detail"] + " (by chance, not injected)"
        truth["entity_id"] = truth["entity_id"].astype(str)
        return truth.assign(id=np.arange(1, len(truth) + 1))
