"""Confirmed cases from positive results: the one rule, used by file loads and the live simulator.

A positive PCR or antigen result of a person who has no case yet confirms a case at the result's
moment, counted in the person's home kelurahan. Antibody tests never confirm a case; people who live
outside the city are not city cases (they are notified to their home region). A case is imported
when its person entered the city in the 14 days before confirmation.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from casedb.bulk import insert_frame
from casedb.cells import cell_columns
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
    SELECT tr.id AS test_result_id, m.at AS entered_at
    FROM test_results tr JOIN persons p ON p.person_key = tr.person_key
    JOIN movements m ON m.person_key = tr.person_key AND m.direction = 'in' AND m.at <= tr.result_at
    WHERE {_CONFIRMING}
""").bindparams(bindparam("confirming", expanding=True))


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
                           columns=["test_result_id", "entered_at"])
    entries = entries.merge(cases[["test_result_id", "confirmed_at"]], on="test_result_id")
    recent = entries[pd.to_datetime(entries["entered_at"]) >= entries["confirmed_at"] - IMPORT_WINDOW]
    cases = cases.assign(
        confirmed_day=wib_days(cases["confirmed_at"]),
        age_group=age_group(cases["confirmed_at"].dt.year - cases["birth_year"].astype("Float64")),
        is_imported=cases["test_result_id"].isin(recent["test_result_id"]),
    ).drop(columns=["birth_year"])
    cases = pd.concat([cases.reset_index(drop=True),
                       cell_columns(cases["approx_lat"].astype(float), cases["approx_lon"].astype(float))], axis=1)
    # In person-key order, as the rows' persons sit in their index, so that checking each case's
    # person walks that index once rather than jumping about it.
    insert_frame(conn, "cases", cases.sort_values("person_key"))
    days = cases["confirmed_day"]
    return len(cases), days.min().date(), days.max().date()

