"""Travel: trips through the entry points, the travel tests and certificates behind documented
trips, and the document status a checkpoint records for each movement."""
from __future__ import annotations

import numpy as np
import pandas as pd

from casedb.demo.epidemic import ANTIGEN, PCR, result_delay, test_block, to_moments
from casedb.demo.people import home_region_weights
from casedb.demo.timeline import DAY, Timeline, spread

ENTRY_POINT_SHARE = {"airport": 0.22, "bus_terminal": 0.18, "river_port": 0.03, "road_post": 0.54}
ROAD_MODES = (("car", 0.55), ("motorcycle", 0.35), ("bus", 0.10))
MODE_OF_TYPE = {"airport": "air", "bus_terminal": "bus", "river_port": "boat"}
DOCUMENT_NEED = {"air": 1.0, "bus": 0.9, "boat": 0.9, "car": 0.5, "motorcycle": 0.3}
VALIDITY = {"antigen": 3 * DAY, "pcr": 7 * DAY}  # a negative certificate is accepted this long
RESIDENT_TRIP_SHARE = 0.55


def trips(rng: np.random.Generator, tl: Timeline, persons: pd.DataFrame, entry_points: pd.DataFrame,
          external: pd.DataFrame, n_movements: int) -> pd.DataFrame:
    """Round trips: residents leave and come back, visitors come and leave. A trip's second leg
    after `end` has not happened yet."""
    n = int(np.ceil(n_movements / 2 * 1.03))
    day = np.repeat(np.arange(tl.n), spread(rng, n, tl.travel(), at_least_last=1))
    first_at = tl.moments(rng, day, 5, 23)
    resident = rng.random(n) < RESIDENT_TRIP_SHARE
    residents = np.flatnonzero(persons["is_resident"].to_numpy())
    visitors = np.flatnonzero(~persons["is_resident"].to_numpy())
    person = np.where(resident, rng.choice(residents, n), rng.choice(visitors, n))

    types = entry_points["type"].to_numpy()
    share = np.array([ENTRY_POINT_SHARE[t] / (types == t).sum() for t in types])
    point = rng.choice(len(entry_points), n, p=share / share.sum())
    mode = pd.Series(types[point]).map(MODE_OF_TYPE).to_numpy(dtype=object)
    on_road = pd.isna(mode)
    mode[on_road] = rng.choice([m for m, _ in ROAD_MODES], int(on_road.sum()), p=[p for _, p in ROAD_MODES])

    region = _regions(rng, external, mode)
    home = persons["home_region_code"].to_numpy()[person]
    region = np.where(resident, region, home)

    holiday = tl.holiday_trip()[day]
    stay_days = np.where(holiday, rng.integers(5, 15, n), rng.geometric(0.3, n) - 1)
    second_at = np.where(stay_days == 0, first_at + to_moments(rng.uniform(2, 10, n)),
                         tl.day_start[0] + (day + stay_days) * DAY + to_moments(rng.uniform(-1, 16, n)))
    return pd.DataFrame({
        "person": person, "resident": resident, "entry_point": point, "mode": mode, "region_code": region,
        "first_at": first_at, "second_at": np.where(second_at <= tl.end, second_at, np.datetime64("NaT")),
        "documented": False, "test_row": -1,
    })


def _regions(rng: np.random.Generator, external: pd.DataFrame, mode: np.ndarray) -> np.ndarray:
    """Origins and destinations: by air mostly far away (Jakarta, Batam, Medan, Java), by land
    and river mostly Riau and West Sumatra."""
    near = home_region_weights(external)
    province = external["province_code"].to_numpy()
    far = np.where(province == "14", 0.05, 1.0) * np.where(np.isin(province, ["31", "21", "12", "32", "35"]), 5, 1)
    codes = external["code"].to_numpy()
    by_air = mode == "air"
    out = np.empty(len(mode), dtype=object)
    out[by_air] = codes[rng.choice(len(codes), int(by_air.sum()), p=far / far.sum())]
    out[~by_air] = codes[rng.choice(len(codes), int((~by_air).sum()), p=near / near.sum())]
    return out


def travel_tests(rng: np.random.Generator, tl: Timeline, trips: pd.DataFrame, n_tests: int) -> pd.DataFrame:
    """Pick the documented trips (more when rules are strict and on public transport) and give each
    a negative travel test taken before its first leg; marks them in `trips`."""
    day = tl.day_of(trips["first_at"].to_numpy())
    need = tl.document_rules()[day] * trips["mode"].map(DOCUMENT_NEED).to_numpy()
    keys = np.log(need) - np.log(-np.log(rng.random(len(trips))))
    chosen = np.sort(np.argpartition(-keys, min(n_tests, len(trips)) - 1)[:n_tests])
    type_idx = np.where(rng.random(len(chosen)) < 0.7, ANTIGEN, PCR)
    gap_hours = np.where(type_idx == ANTIGEN, rng.uniform(1, 40, len(chosen)), rng.uniform(6, 100, len(chosen)))
    result_at = trips["first_at"].to_numpy()[chosen] - to_moments(gap_hours)
    keep = result_at >= tl.start
    chosen, type_idx, result_at = chosen[keep], type_idx[keep], result_at[keep]
    trips.loc[chosen, "documented"] = True
    trips.loc[chosen, "test_row"] = np.arange(len(chosen))
    return test_block(trips["person"].to_numpy()[chosen], type_idx, "travel", "negative",
                      result_at - result_delay(rng, type_idx), result_at, "travel", certificate=True)


def legs(rng: np.random.Generator, tl: Timeline, trips: pd.DataFrame, certificates: pd.DataFrame) -> pd.DataFrame:
    """Movements from trips. A documented trip presents its certificate on the first leg, and on
    the second while it is still valid. Some entering travellers are screened on the spot."""
    cert_of_test = certificates[certificates["test_row"] >= 0].set_index("test_row")
    documented = trips["test_row"].to_numpy() >= 0
    number = np.full(len(trips), None, dtype=object)
    valid_until = np.full(len(trips), np.datetime64("NaT"), dtype="datetime64[s]")
    rows = trips["test_row"].to_numpy()[documented]
    number[documented] = cert_of_test["number"].reindex(rows).to_numpy()
    valid_until[documented] = cert_of_test["valid_until"].reindex(rows).to_numpy()

    first_direction = np.where(trips["resident"], "out", "in")
    second_direction = np.where(trips["resident"], "in", "out")
    second_at = trips["second_at"].to_numpy()
    second_number = np.where(second_at < valid_until, number, None)
    has_second = ~np.isnat(second_at)
    frame = pd.concat([
        pd.DataFrame({"trip": np.arange(len(trips)), "leg": 0, "direction": first_direction,
                      "at": trips["first_at"].to_numpy(), "certificate_number": number}),
        pd.DataFrame({"trip": np.arange(len(trips)), "leg": 1, "direction": second_direction,
                      "at": second_at, "certificate_number": second_number})[has_second],
    ], ignore_index=True)
    for column in ("person", "entry_point", "mode", "region_code"):
        frame[column] = trips[column].to_numpy()[frame["trip"].to_numpy()]
    entering = frame["direction"].to_numpy() == "in"
    screened = entering & (rng.random(len(frame)) < 0.08 * tl.document_rules()[tl.day_of(frame["at"].to_numpy())])
    frame["screening_result"] = np.where(screened, np.where(rng.random(len(frame)) < 0.015, "positive", "negative"), None)
    # Mostly rapid antigen at the posts, PCR for one trip in five (no draw from rng, so that the rest
    # of the city stays as it was).
    frame["screening_test_type"] = np.where(screened, np.where(frame["trip"].to_numpy() % 5 == 0, "pcr", "antigen"), None)
    return frame


def authorised_at(certificates: pd.DataFrame, authorizations: pd.DataFrame, test_types: pd.DataFrame) -> np.ndarray:
    """Whether each certificate's issuer held, at issue, an unrevoked authorisation for its test type."""
    covering = test_types.merge(authorizations, left_on="authorization_id", right_on="id")
    pairs = certificates[["cert_pos", "facility_id", "test_type", "issued_at", "issued_day"]].merge(
        covering[["facility_id", "test_type", "valid_from", "valid_until", "revoked_at"]], on=["facility_id", "test_type"])
    ok = (pairs["valid_from"] <= pairs["issued_day"]) & (pairs["issued_day"] <= pairs["valid_until"]) & \
        (pairs["revoked_at"].isna() | (pairs["revoked_at"] > pairs["issued_at"]))
    good = np.zeros(len(certificates), dtype=bool)
    good[pairs.loc[ok, "cert_pos"].to_numpy()] = True
    return good


def document_status(movements: pd.DataFrame, certificates: pd.DataFrame, authorised: np.ndarray) -> np.ndarray:
    """What a checkpoint records, checked in this order: no document (`none`); a number not in the
    register (`not_found`); someone else's certificate (`mismatch`); an issuer without authorisation
    (`issuer_unauthorized`); past its validity or revoked (`expired`); otherwise `valid`."""
    by_number = certificates.assign(authorised=authorised).set_index("number")
    status = np.full(len(movements), "none", dtype=object)
    presented = np.flatnonzero(movements["certificate_number"].notna().to_numpy())
    found = by_number.reindex(movements["certificate_number"].to_numpy()[presented])
    at = movements["at"].to_numpy()[presented]
    expired = (at > found["valid_until"].to_numpy()) | (found["revoked_at"].to_numpy() <= at)
    status[presented] = np.select(
        [found["person"].isna().to_numpy(), found["person"].to_numpy() != movements["person"].to_numpy()[presented],
         ~found["authorised"].fillna(False).to_numpy(dtype=bool), expired],
        ["not_found", "mismatch", "issuer_unauthorized", "expired"], "valid")
    return status


def certificate_validity(test_type: np.ndarray) -> np.ndarray:
    return np.where(test_type == "pcr", VALIDITY["pcr"], VALIDITY["antigen"])

