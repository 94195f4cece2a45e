"""Confirmed cases from positive results: the one rule, used by file loads, the live simulator and
the demo city (`casedb.demo.city`), so that demo figures cannot drift from production figures.

A positive PCR or antigen result of a person who has no case yet confirms a case at the result's
moment, counted in the person's home kelurahan. Antibody tests never confirm a case; people who live
outside the city are not city cases (they are notified to their home region). A case is imported
when its person entered the city in the 14 days before confirmation.

The rules are pandas functions over plain frames (`confirmations`, `imported`, `age_group`);
`create_cases` feeds them from the database.
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

# The batch's positive results of people without a case yet, whatever their type and residence: the
# rule itself (`confirmations`) picks among them. Narrowed in SQL only by what the rule also requires.
_POSITIVES = """
    tr.batch_id = :batch_id AND tr.result = 'positive' AND tr.test_type IN :confirming
    AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_key = tr.person_key)
"""
_CANDIDATES = text(f"""
    SELECT tr.id AS test_result_id, tr.person_key, tr.test_type, tr.result, tr.result_at,
           p.is_resident, p.home_kelurahan_code, p.approx_lat, p.approx_lon, p.birth_year, p.sex
    FROM test_results tr JOIN persons p ON p.person_key = tr.person_key
    WHERE {_POSITIVES}
""").bindparams(bindparam("confirming", expanding=True))
_ENTRIES = text(f"""
    SELECT DISTINCT m.person_key, m.at AS entered_at
    FROM test_results tr JOIN movements m ON m.person_key = tr.person_key AND m.direction = 'in'
    WHERE {_POSITIVES}
""").bindparams(bindparam("confirming", expanding=True))


def age_group(age: pd.Series) -> pd.Series:
    """Ten-year bands: 0-9, 10-19, ..., 60-69, 70+; None for no age or an impossible one (below 0,
    200 or more)."""
    labels = [f"{lo}-{lo + 9}" for lo in AGE_BANDS[:-1]] + [f"{AGE_BANDS[-1]}+"]
    bands = pd.cut(age, bins=[*AGE_BANDS, 200], right=False, labels=labels)
    return bands.astype(object).where(bands.notna(), None)


def confirmations(results: pd.DataFrame) -> pd.DataFrame:
    """The results that confirm a case, one per person, in order of confirmation: positive PCR or
    antigen results of residents with a home kelurahan, each person's earliest (the lower id on a
    tie). `results` holds test_result_id, person_key, test_type, result, result_at, is_resident,
    home_kelurahan_code (and any other columns, kept); people who already have a case must be left
    out by the caller."""
    confirming = results[(results["result"] == "positive") & results["test_type"].isin(CONFIRMING_TEST_TYPES)
                         & results["is_resident"].astype(bool) & results["home_kelurahan_code"].notna()]
    return confirming.sort_values(["result_at", "test_result_id"], kind="stable").drop_duplicates("person_key")


def imported(cases: pd.DataFrame, entries: pd.DataFrame) -> pd.Series:
    """Whether each case (person_key, confirmed_at) is imported: its person entered the city
    (entries: person_key, entered_at) at most IMPORT_WINDOW before the confirmation, and not after it."""
    joined = entries.merge(pd.DataFrame({"person_key": cases["person_key"].to_numpy(),
                                         "confirmed_at": pd.to_datetime(cases["confirmed_at"]).to_numpy(),
                                         "case": range(len(cases))}), on="person_key")
    entered = pd.to_datetime(joined["entered_at"])
    recent = joined.loc[(entered <= joined["confirmed_at"]) & (entered >= joined["confirmed_at"] - IMPORT_WINDOW), "case"]
    return pd.Series(pd.RangeIndex(len(cases)).isin(recent.to_numpy()), index=cases.index)


def create_cases(conn: Connection, batch_id: int) -> tuple[int, date | None, date | None]:
    """Create the cases the batch's results confirm; (how many, first and last confirmed WIB day)."""
    params = {"batch_id": batch_id, "confirming": CONFIRMING_TEST_TYPES}
    candidates = pd.DataFrame(conn.execute(_CANDIDATES, params).mappings().all())
    if candidates.empty:
        return 0, None, None
    candidates["result_at"] = pd.to_datetime(candidates["result_at"])
    # A person positive twice in one batch is confirmed by the earlier result.
    cases = confirmations(candidates).rename(columns={"result_at": "confirmed_at",
                                                      "home_kelurahan_code": "kelurahan_code"})
    if cases.empty:
        return 0, None, None
    entries = pd.DataFrame(conn.execute(_ENTRIES, params).mappings().all(), columns=["person_key", "entered_at"])
    cases = cases.assign(
        confirmed_day=wib_days(cases["confirmed_at"]),
        age_group=age_group(cases["confirmed_at"].dt.year - cases["birth_year"].astype("Float64")),
        is_imported=imported(cases, entries),
    ).drop(columns=["birth_year", "test_type", "result", "is_resident"])
    cases = pd.concat([cases.reset_index(drop=True),
                       cell_columns(cases["approx_lat"].astype(float), cases["approx_lon"].astype(float))], axis=1)
    # In person-key order, as the rows' persons sit in their index, so that checking each case's
    # person walks that index once rather than jumping about it.
    insert_frame(conn, "cases", cases.sort_values("person_key"))
    days = cases["confirmed_day"]
    return len(cases), days.min().date(), days.max().date()

