"""The epidemic: confirmed cases on the wave curve, the transmission chains between them, their
contacts, and the tests behind all of it.

Tests are produced as blocks of rows with person positions and moments; facilities and ids are
given later, once every block is known (see casedb.demo.build).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from casedb.demo.timeline import DAY, HOUR, SECOND, Timeline, spread
from casedb.schema import CONTACT_RELATIONS, TEST_TYPES

PCR, ANTIGEN, ANTIBODY = (TEST_TYPES.index(t) for t in ("pcr", "antigen", "antibody"))
CHAIN_SHARE = 0.3          # cases that had been listed as someone's contact
FOLLOW_UP_SHARE = 0.3      # cases with a later PCR (still positive, or negative on recovery)
QUARANTINE_DAYS = 14
RELATION_SHARES = (0.4, 0.25, 0.2, 0.05, 0.1)  # in CONTACT_RELATIONS order


def to_moments(hours: np.ndarray) -> np.ndarray:
    return (np.asarray(hours) * 3600).astype(np.int64) * SECOND


def result_delay(rng: np.random.Generator, type_idx: np.ndarray) -> np.ndarray:
    """Specimen to result: PCR takes hours to days, rapid tests minutes."""
    n = len(type_idx)
    pcr = np.clip(rng.lognormal(np.log(18), 0.6, n), 3, 96)
    rapid = rng.uniform(0.25, 1.0, n)
    return to_moments(np.where(type_idx == PCR, pcr, rapid))


def test_block(person, type_idx, purpose, result, specimen_at, result_at, weights: str,
               certificate: bool = False, facility_pos=-1) -> pd.DataFrame:
    n = len(person)
    return pd.DataFrame({
        "person": np.asarray(person, dtype=np.int64),
        "type_idx": np.broadcast_to(type_idx, n).astype(np.int64),
        "purpose": np.broadcast_to(np.asarray(purpose, dtype=object), n),
        "result": np.broadcast_to(np.asarray(result, dtype=object), n),
        "specimen_at": specimen_at,
        "result_at": result_at,
        "weights": weights,
        "certificate": certificate,
        "facility_pos": np.broadcast_to(facility_pos, n).astype(np.int64),
    })


def cases(rng: np.random.Generator, tl: Timeline, persons: pd.DataFrame, kelurahan: pd.DataFrame,
          n_cases: int) -> pd.DataFrame:
    """Cases in order of confirmation: person, confirming test type and moments, and for about a
    third the earlier case they were a contact of (`parent`)."""
    per_day = spread(rng, n_cases, tl.epidemic() * tl.testing_weights(), at_least_last=1)
    day_idx = np.repeat(np.arange(tl.n), per_day)
    confirmed_at = np.sort(tl.moments(rng, day_idx, 8, 22))

    # Case persons: residents, more often in some kelurahan than others (Gumbel top-k sampling).
    residents = np.flatnonzero(persons["is_resident"].to_numpy())
    risk = pd.Series(rng.lognormal(0, 0.5, len(kelurahan)), index=kelurahan["code"])
    weight = risk.reindex(persons["home_kelurahan_code"].to_numpy()[residents]).to_numpy()
    keys = np.log(weight) - np.log(-np.log(rng.random(len(residents))))
    chosen = residents[np.argpartition(-keys, n_cases - 1)[:n_cases]]
    person = rng.permutation(np.sort(chosen))

    type_idx = np.where(rng.random(n_cases) < 0.55, PCR, ANTIGEN)
    specimen_at = confirmed_at - result_delay(rng, type_idx)

    # Chains: a case listed as a contact of a case confirmed 1 hour to 10 days before its specimen.
    lo = np.searchsorted(confirmed_at, specimen_at - 10 * DAY)
    hi = np.searchsorted(confirmed_at, specimen_at - HOUR)
    in_chain = (rng.random(n_cases) < CHAIN_SHARE) & (hi > lo)
    parent = np.where(in_chain, lo + np.floor(rng.random(n_cases) * (hi - lo)).astype(np.int64), -1)
    purpose = np.where(in_chain, "contact_tracing",
                       rng.choice(["diagnostic", "screening", "travel"], n_cases, p=[0.8, 0.12, 0.08]))
    return pd.DataFrame({"person": person, "confirmed_at": confirmed_at, "type_idx": type_idx,
                         "specimen_at": specimen_at, "parent": parent, "purpose": purpose})


def case_tests(cases: pd.DataFrame) -> pd.DataFrame:
    """The confirming test of each case, in case order."""
    return test_block(cases["person"], cases["type_idx"], cases["purpose"], "positive",
                      cases["specimen_at"].to_numpy(), cases["confirmed_at"].to_numpy(), "positives")


def follow_up_tests(rng: np.random.Generator, tl: Timeline, cases: pd.DataFrame) -> pd.DataFrame:
    chosen = np.flatnonzero(rng.random(len(cases)) < FOLLOW_UP_SHARE)
    result_at = cases["confirmed_at"].to_numpy()[chosen] + to_moments(rng.uniform(7 * 24, 14 * 24, len(chosen)))
    keep = result_at <= tl.end
    chosen, result_at = chosen[keep], result_at[keep]
    pcr = np.full(len(chosen), PCR)
    result = np.where(rng.random(len(chosen)) < 0.4, "positive", "negative")
    return test_block(cases["person"].to_numpy()[chosen], pcr, "diagnostic", result,
                      result_at - result_delay(rng, pcr), result_at, "followup")


def contacts(rng: np.random.Generator, tl: Timeline, cases: pd.DataFrame, persons: pd.DataFrame,
             n_contacts: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts of cases (case positions in `index_case`), and the tests of the tested ones.

    Chain cases are contacts who became cases: listed after their index case's confirmation and
    before their own specimen. The others are listed within hours of the index confirmation; most
    are traced, about half of those tested (negative, or invalid), all quarantined for 14 days.
    """
    confirmed = cases["confirmed_at"].to_numpy()
    chain = np.flatnonzero(cases["parent"].to_numpy() >= 0)
    index_of_chain = cases["parent"].to_numpy()[chain]
    specimen = cases["specimen_at"].to_numpy()[chain]
    window = specimen - confirmed[index_of_chain]
    chain_listed = confirmed[index_of_chain] + (window * rng.uniform(0.05, 0.5, len(chain))).astype("timedelta64[s]")
    chain_traced = chain_listed + ((specimen - chain_listed) * rng.uniform(0.1, 0.9, len(chain))).astype("timedelta64[s]")
    became = pd.DataFrame({
        "index_case": index_of_chain, "person": cases["person"].to_numpy()[chain],
        "listed_at": chain_listed, "traced_at": chain_traced, "tested_at": specimen,
        "test_result": "positive", "became_case": chain, "last_followup_at": confirmed[chain], "test_row": -1,
    })

    n_others = int((n_contacts - len(chain)) * 1.03)
    appeal = rng.gamma(0.7, 1.0, len(cases))
    index_case = rng.choice(len(cases), n_others, p=appeal / appeal.sum())
    residents = np.flatnonzero(persons["is_resident"].to_numpy())
    anyone = np.where(rng.random(n_others) < 0.92, rng.choice(residents, n_others), rng.integers(0, len(persons), n_others))
    others = pd.DataFrame({"index_case": index_case, "person": anyone})
    others = others[others["person"].to_numpy() != cases["person"].to_numpy()[others["index_case"].to_numpy()]]
    others = others.drop_duplicates(["index_case", "person"])
    already = others.merge(became[["index_case", "person"]], on=["index_case", "person"], how="left", indicator=True)
    others = others[(already["_merge"] == "left_only").to_numpy()]
    n = len(others)
    listed = confirmed[others["index_case"].to_numpy()] + to_moments(np.minimum(rng.exponential(10, n), 72) + 0.2)
    traced = np.where(rng.random(n) < 0.88, listed + to_moments(rng.lognormal(np.log(20), 0.9, n)), np.datetime64("NaT"))
    tested = np.where(rng.random(n) < 0.55, traced + to_moments(rng.uniform(2, 60, n)), np.datetime64("NaT"))
    traced = np.where(traced <= tl.end, traced, np.datetime64("NaT"))
    tested = np.where((tested <= tl.end) & ~np.isnat(traced), tested, np.datetime64("NaT"))
    others = others.assign(listed_at=listed, traced_at=traced, tested_at=tested)
    keep = others["listed_at"].to_numpy() <= tl.end
    others = others[keep].reset_index(drop=True)
    n = len(others)

    # Tests of the tested contacts; a result not yet in by `end` leaves the contact without one.
    tested_rows = np.flatnonzero(~np.isnat(others["tested_at"].to_numpy()))
    type_idx = np.where(rng.random(len(tested_rows)) < 0.6, PCR, ANTIGEN)
    specimen_at = others["tested_at"].to_numpy()[tested_rows]
    result_at = specimen_at + result_delay(rng, type_idx)
    arrived = result_at <= tl.end
    tested_rows, type_idx, specimen_at, result_at = (a[arrived] for a in (tested_rows, type_idx, specimen_at, result_at))
    result = np.where(rng.random(len(tested_rows)) < 0.985, "negative", "invalid")
    tests = test_block(others["person"].to_numpy()[tested_rows], type_idx, "contact_tracing", result,
                       specimen_at, result_at, "normal")
    test_result = np.full(n, None, dtype=object)
    test_result[tested_rows] = result
    test_row = np.full(n, -1)
    test_row[tested_rows] = np.arange(len(tested_rows))

    quarantine_end = tl.wib_days(others["listed_at"].to_numpy()) + QUARANTINE_DAYS
    followed_until = np.minimum(quarantine_end.astype("datetime64[s]") - 7 * HOUR, tl.end)
    traced_at = others["traced_at"].to_numpy()
    span = (followed_until - traced_at).astype(np.int64)
    last_followup = traced_at + (np.maximum(span, 0) * rng.uniform(0.3, 1.0, n)).astype(np.int64) * SECOND
    others = others.assign(test_result=test_result, became_case=-1, last_followup_at=last_followup, test_row=test_row)

    frame = pd.concat([became, others], ignore_index=True)
    frame["relation"] = rng.choice(CONTACT_RELATIONS, len(frame), p=RELATION_SHARES)
    frame["quarantine_until"] = pd.to_datetime(tl.wib_days(frame["listed_at"].to_numpy()) + QUARANTINE_DAYS)
    return frame, tests


def clusters(cases: pd.DataFrame, kecamatan_of_case: np.ndarray) -> np.ndarray:
    """Each chain of three or more cases is a cluster named after its first case's kecamatan."""
    parent = cases["parent"].to_numpy()
    root = np.arange(len(cases))
    has_parent = parent >= 0
    root[has_parent] = parent[has_parent]
    while True:  # follow parents up; chains are short, so few rounds
        up = np.where(parent[root] >= 0, parent[root], root)
        if np.array_equal(up, root):
            break
        root = up
    size = np.bincount(root, minlength=len(cases))
    names = np.array([f"Klaster {k} {r + 1}" for k, r in zip(kecamatan_of_case[root], root)], dtype=object)
    return np.where(size[root] >= 3, names, None)


def outcomes(rng: np.random.Generator, tl: Timeline, confirmed_at: np.ndarray, age: np.ndarray) -> dict[str, np.ndarray]:
    """Hospitalisation and death rise with age (overall about 15% and 2.5%); the rest recover in
    10-21 days. Outcomes after `end` have not happened yet."""
    n = len(confirmed_at)
    death_risk = np.clip(0.002 * np.exp(age / 14.0), 0, 0.35)
    death_risk *= 0.025 / max(death_risk.mean(), 1e-9)
    hospital_risk = np.clip(0.06 + death_risk * 3, 0, 0.9)
    dies = rng.random(n) < death_risk
    hospitalised = dies | (rng.random(n) < hospital_risk)
    hospitalised_at = confirmed_at + to_moments(rng.uniform(0, 72, n))
    died_at = confirmed_at + to_moments(rng.uniform(3 * 24, 25 * 24, n))
    recovered_at = confirmed_at + to_moments(rng.uniform(10 * 24, 21 * 24, n))
    nat = np.datetime64("NaT")
    return {
        "hospitalised_at": np.where(hospitalised & (hospitalised_at <= tl.end), hospitalised_at, nat),
        "died_at": np.where(dies & (died_at <= tl.end), died_at, nat),
        "recovered_at": np.where(~dies & (recovered_at <= tl.end), recovered_at, nat),
    }


def other_tests(rng: np.random.Generator, tl: Timeline, persons: pd.DataFrame, n_tests: int,
                n_antibody: int, n_elsewhere_positive: int) -> list[pd.DataFrame]:
    """Diagnostic and screening tests of people who are not cases (testing follows the epidemic
    loosely), antibody tests, and positive tests of non-residents (notified to their home region,
    not counted as the city's cases)."""
    weights = (0.5 + tl.epidemic() / tl.epidemic().max()) * tl.testing_weights()
    residents = np.flatnonzero(persons["is_resident"].to_numpy())
    visitors = np.flatnonzero(~persons["is_resident"].to_numpy())
    blocks = []
    for count, kind in ((n_tests, "negative"), (n_antibody, "antibody"), (n_elsewhere_positive, "visitor")):
        day_idx = np.repeat(np.arange(tl.n), spread(rng, count, weights, at_least_last=1 if count > 100 else 0))
        n = len(day_idx)
        result_at = tl.moments(rng, day_idx, 8, 22)
        if kind == "negative":
            type_idx = np.where(rng.random(n) < 0.4, PCR, ANTIGEN)
            person = np.where(rng.random(n) < 0.92, rng.choice(residents, n), rng.choice(visitors, n))
            purpose = rng.choice(["diagnostic", "screening"], n, p=[0.55, 0.45])
            result = np.where(rng.random(n) < 0.99, "negative", "invalid")
        elif kind == "antibody":
            type_idx = np.full(n, ANTIBODY)
            person = rng.integers(0, len(persons), n)
            purpose = rng.choice(["diagnostic", "screening", "travel"], n, p=[0.5, 0.3, 0.2])
            result = np.where(rng.random(n) < 0.25, "positive", "negative")
        else:
            type_idx = np.where(rng.random(n) < 0.5, PCR, ANTIGEN)
            person = rng.choice(visitors, n)
            purpose = rng.choice(["diagnostic", "travel"], n, p=[0.6, 0.4])
            result = np.full(n, "positive")
        blocks.append(test_block(person, type_idx, purpose, result, result_at - result_delay(rng, type_idx),
                                 result_at, "positives" if kind == "visitor" else "normal"))
    return blocks
