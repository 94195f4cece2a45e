"""Confirmed cases from positive results: the one rule, used by file loads and the live simulator.

A positive PCR or antigen result of a person who has no case yet confirms a case at the result's
moment, counted in the person's home kelurahan. Antibody tests never confirm a case; people who live
outside the city are not city cases (they are notified to their home region). A case is imported
when its person entered the city in the 14 days before confirmation (an entry at most 14 x 24 hours
before the confirming result, and not after it); its origin is that of the last such entry.
Checkpoint records may arrive after the case: `update_imports` recomputes both for the cases an
entry could touch whenever movements are loaded.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from casedb.bulk import insert_frame
from casedb.schema import CONFIRMING_TEST_TYPES
from casedb.wib import wib_days

IMPORT_WINDOW = timedelta(days=14)
AGE_BANDS = (0, 10, 20, 30, 40, 50, 60, 70)

_CONFIRMING = """
    tr.batch_id = :batch_id AND tr.result = 'positive' AND tr.test_type IN :confirming
    AND p.is_resident AND p.home_kelurahan_code IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_key = tr.person_key)
"""
_CANDIDATES = text(f"""
    SELECT tr.id AS test_result_id, tr.person_key, tr.result_at AS confirmed_at,
           p.home_kelurahan_code AS kelurahan_code, p.approx_lat, p.approx_lon, p.birth_year, p.sex
    FROM test_results tr JOIN persons p ON p.person_key = tr.person_key
    WHERE {_CONFIRMING}
""").bindparams(bindparam("confirming", expanding=True))
_ENTRIES = text(f"""
    SELECT tr.id AS test_result_id, m.at AS entered_at, m.region_code
    FROM test_results tr JOIN persons p ON p.person_key = tr.person_key
    JOIN movements m ON m.person_key = tr.person_key AND m.direction = 'in' AND m.at <= tr.result_at
    WHERE {_CONFIRMING}
""").bindparams(bindparam("confirming", expanding=True))


_CASES_IN = text("""
    SELECT id, confirmed_at, confirmed_day, is_imported, import_region_code FROM cases
    WHERE confirmed_day BETWEEN :start AND :end
""")
_CASE_ENTRIES = text("""
    SELECT c.id, m.at AS entered_at, m.region_code
    FROM cases c JOIN movements m ON m.person_key = c.person_key AND m.direction = 'in' AND m.at <= c.confirmed_at
    WHERE c.confirmed_day BETWEEN :start AND :end
""")
_SET_IMPORT = text("UPDATE cases SET is_imported = :is_imported, import_region_code = :import_region_code "
                   "WHERE id = :id")


def import_origins(cases: pd.DataFrame, entries: pd.DataFrame, key: str) -> pd.DataFrame:
    """For cases (`key`, confirmed_at) and their persons' entries (`key`, entered_at, region_code):
    is_imported and import_region_code per case, in the cases' order."""
    joined = entries.merge(cases[[key, "confirmed_at"]], on=key)
    entered = pd.to_datetime(joined["entered_at"])
    recent = joined[(entered <= joined["confirmed_at"]) & (entered >= joined["confirmed_at"] - IMPORT_WINDOW)]
    last = recent.assign(entered_at=pd.to_datetime(recent["entered_at"])).sort_values(
        [key, "entered_at", "region_code"], na_position="first").drop_duplicates(key, keep="last").set_index(key)
    region = cases[key].map(last["region_code"]).astype(object)
    return pd.DataFrame({"is_imported": cases[key].isin(last.index).to_numpy(),
                         "import_region_code": pd.Series([None if pd.isna(r) else r for r in region],
                                                         index=cases.index, dtype=object)}, index=cases.index)


def update_imports(conn: Connection, first_day: date, last_day: date) -> tuple[date, date] | None:
    """Recompute is_imported and import_region_code of every case that an entry on WIB days
    first_day..last_day can make imported (confirmed on those days or up to 14 days later); return
    the first and last confirmed day of the cases that changed, None when none did."""
    params = {"start": first_day, "end": min(last_day, date.max - IMPORT_WINDOW) + IMPORT_WINDOW}
    cases = pd.DataFrame(conn.execute(_CASES_IN, params).mappings().all(),
                         columns=["id", "confirmed_at", "confirmed_day", "is_imported", "import_region_code"])
    if cases.empty:
        return None
    cases["confirmed_at"] = pd.to_datetime(cases["confirmed_at"])
    entries = pd.DataFrame(conn.execute(_CASE_ENTRIES, params).mappings().all(),
                           columns=["id", "entered_at", "region_code"])
    now = import_origins(cases, entries, "id")
    changed = ((now["is_imported"] != cases["is_imported"].astype(bool))
               | (now["import_region_code"].fillna("") != cases["import_region_code"].fillna("")))
    if not changed.any():
        return None
    conn.execute(_SET_IMPORT, [
        {"id": int(i), "is_imported": bool(imp), "import_region_code": None if pd.isna(region) else region}
        for i, imp, region in zip(cases.loc[changed, "id"], now.loc[changed, "is_imported"],
                                  now.loc[changed, "import_region_code"])
    ])
    days = pd.to_datetime(cases.loc[changed, "confirmed_day"])
    return days.min().date(), days.max().date()


def age_group(age: pd.Series) -> pd.Series:
    """Ten-year bands: 0-9, 10-19, ..., 60-69, 70+."""
    labels = [f"{lo}-{lo + 9}" for lo in AGE_BANDS[:-1]] + [f"{AGE_BANDS[-1]}+"]
    bands = pd.cut(age, bins=[*AGE_BANDS, 200], right=False, labels=labels)
    return bands.astype(object).where(age.notna(), None)


def create_cases(conn: Connection, batch_id: int) -> tuple[int, date | None, date | None]:
    """Create the cases the batch's results confirm; (how many, first and last confirmed WIB day)."""
    params = {"batch_id": batch_id, "confirming": CONFIRMING_TEST_TYPES}
    candidates = pd.DataFrame(conn.execute(_CANDIDATES, params).mappings().all())
    if candidates.empty:
        return 0, None, None
    candidates["confirmed_at"] = pd.to_datetime(candidates["confirmed_at"])
    # A person positive twice in one batch is confirmed by the earlier result.
    cases = candidates.sort_values(["confirmed_at", "test_result_id"]).drop_duplicates("person_key")
    entries = pd.DataFrame(conn.execute(_ENTRIES, params).mappings().all(),
                           columns=["test_result_id", "entered_at", "region_code"])
    cases = cases.assign(
        confirmed_day=wib_days(cases["confirmed_at"]),
        age_group=age_group(cases["confirmed_at"].dt.year - cases["birth_year"].astype("Float64")),
        **import_origins(cases, entries, "test_result_id"),
    ).drop(columns=["birth_year"])
    # In person-key order, as the rows' persons sit in their index, so that checking each case's
    # person walks that index once rather than jumping about it.
    insert_frame(conn, "cases", cases.sort_values("person_key"))
    days = cases["confirmed_day"]
    return len(cases), days.min().date(), days.max().date()

