"""Confirmed cases from positive results: the one rule, used by file loads, the live simulator and
the demo city (`casedb.demo.city`), so that demo figures cannot drift from production figures.

A positive PCR or antigen result of a person who has no case yet confirms a case at the result's
moment, counted in the person's home kelurahan. Antibody tests never confirm a case; people who live
outside the city are not city cases (they are notified to their home region). A case is imported
when its person entered the city in the 14 days before confirmation (an entry at most 14 x 24 hours
before the confirming result, and not after it); its origin is that of the last such entry.
Checkpoint records may arrive after the case: `update_imports` recomputes both for the cases an
entry could touch whenever movements are loaded.

The rules are pandas functions over plain frames (`confirmations`, `import_origins`, `age_group`);
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
    SELECT DISTINCT m.person_key, m.at AS entered_at, m.region_code
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


def import_origins(cases: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    """For each case (person_key, confirmed_at): is_imported, whether its person entered the city
    (entries: person_key, entered_at, region_code) at most IMPORT_WINDOW before the confirmation and
    not after it, and import_region_code, the region of the last such entry (None when not imported
    or when that entry named none). Indexed as `cases`."""
    if "region_code" not in entries:
        entries = entries.assign(region_code=None)
    joined = entries.merge(pd.DataFrame({"person_key": cases["person_key"].to_numpy(),
                                         "confirmed_at": pd.to_datetime(cases["confirmed_at"]).to_numpy(),
                                         "case": range(len(cases))}), on="person_key")
    entered = pd.to_datetime(joined["entered_at"], format="ISO8601")
    recent = joined.assign(entered_at=entered)[(entered <= joined["confirmed_at"])
                                               & (entered >= joined["confirmed_at"] - IMPORT_WINDOW)]
    # The last entry; of two at the same moment, the one with the greater region code (any fixed choice).
    last = recent.sort_values(["case", "entered_at", "region_code"], na_position="first").drop_duplicates(
        "case", keep="last").set_index("case")["region_code"]
    region = last.reindex(range(len(cases)))
    return pd.DataFrame({
        "is_imported": pd.RangeIndex(len(cases)).isin(last.index),
        "import_region_code": pd.Series([None if pd.isna(r) else r for r in region], dtype=object).to_numpy(),
    }, index=cases.index)


def imported(cases: pd.DataFrame, entries: pd.DataFrame) -> pd.Series:
    """Whether each case (person_key, confirmed_at) is imported (see `import_origins`)."""
    return import_origins(cases, entries)["is_imported"]


_CASES_IN = text("""
    SELECT id, person_key, confirmed_at, confirmed_day, is_imported, import_region_code FROM cases
    WHERE confirmed_day BETWEEN :start AND :end
""")
_CASE_ENTRIES = text("""
    SELECT DISTINCT m.person_key, m.at AS entered_at, m.region_code
    FROM cases c JOIN movements m ON m.person_key = c.person_key AND m.direction = 'in' AND m.at <= c.confirmed_at
    WHERE c.confirmed_day BETWEEN :start AND :end
""")
_SET_IMPORT = text("UPDATE cases SET is_imported = :is_imported, import_region_code = :import_region_code "
                   "WHERE id = :id")


def update_imports(conn: Connection, first_day: date, last_day: date) -> tuple[date, date] | None:
    """Recompute is_imported and import_region_code of every case that an entry on WIB days
    first_day..last_day can make imported (confirmed on those days or up to 14 days later); return
    the first and last confirmed day of the cases that changed, None when none did."""
    params = {"start": first_day, "end": min(last_day, date.max - IMPORT_WINDOW) + IMPORT_WINDOW}
    cases = pd.DataFrame(conn.execute(_CASES_IN, params).mappings().all(),
                         columns=["id", "person_key", "confirmed_at", "confirmed_day", "is_imported",
                                  "import_region_code"])
    if cases.empty:
        return None
    cases["confirmed_at"] = pd.to_datetime(cases["confirmed_at"], format="ISO8601")
    entries = pd.DataFrame(conn.execute(_CASE_ENTRIES, params).mappings().all(),
                           columns=["person_key", "entered_at", "region_code"])
    now = import_origins(cases, entries)
    before = cases["import_region_code"].astype(object)
    changed = ((now["is_imported"] != cases["is_imported"].astype(bool))
               | (now["import_region_code"].fillna("") != before.where(before.notna(), "")))
    if not changed.any():
        return None
    conn.execute(_SET_IMPORT, [
        {"id": int(i), "is_imported": bool(imp), "import_region_code": None if pd.isna(region) else region}
        for i, imp, region in zip(cases.loc[changed, "id"], now.loc[changed, "is_imported"],
                                  now.loc[changed, "import_region_code"])
    ])
    days = pd.to_datetime(cases.loc[changed, "confirmed_day"])
    return days.min().date(), days.max().date()


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
    entries = pd.DataFrame(conn.execute(_ENTRIES, params).mappings().all(),
                           columns=["person_key", "entered_at", "region_code"])
    cases = cases.assign(
        confirmed_day=wib_days(cases["confirmed_at"]),
        age_group=age_group(cases["confirmed_at"].dt.year - cases["birth_year"].astype("Float64")),
        **import_origins(cases, entries),
    ).drop(columns=["birth_year", "test_type", "result", "is_resident"])
    cases = pd.concat([cases.reset_index(drop=True),
                       cell_columns(cases["approx_lat"].astype(float), cases["approx_lon"].astype(float))], axis=1)
    # In person-key order, as the rows' persons sit in their index, so that checking each case's
    # person walks that index once rather than jumping about it.
    insert_frame(conn, "cases", cases.sort_values("person_key"))
    days = cases["confirmed_day"]
    return len(cases), days.min().date(), days.max().date()

