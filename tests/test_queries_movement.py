"""The movement page's figures (flows, hours, origins, documents, screening, imported cases) on
SQLite and PostgreSQL: hand-computed values for a tiny fixture, and a second computation in pandas
over the raw movements and cases, for the fixture and for the small demo city."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, text

import queries
from casedb import rollups, schema
from casedb.data_version import bump
from casedb.ingest.cases import update_imports
from casedb.wib import wib_day
from figures import movement as fm

KEL = "14.71.01.1001"
START, END = date(2026, 8, 3), date(2026, 8, 9)


def utc(day: int, hour: int, minute: int = 0, month: int = 8, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute)


# (person, entry point, direction, at (naive UTC), region, mode, document status, screening result, test type)
MOVEMENTS = [
    ("p1", 1, "in", utc(5, 16, 59), "31", "air", "valid", None, None),                # 23:59 WIB 5 Aug
    ("p2", 1, "in", utc(5, 17, 0), "14.01", "air", "expired", "positive", "antigen"),  # 00:00 WIB 6 Aug
    ("p2", 2, "out", utc(6, 3), "14.01", "car", "none", None, None),                   # 10:00 WIB 6 Aug
    ("p3", 2, "in", utc(6, 5), "14.01", "car", "none", "negative", "antigen"),         # 12:00 WIB 6 Aug
    ("p3", 2, "in", utc(8, 5), "14", "car", "not_found", "negative", "pcr"),           # p3 enters again, 8 Aug
    ("p4", 1, "in", utc(7, 1), None, "air", "mismatch", "positive", "pcr"),            # 08:00 WIB 7 Aug, no origin
    ("p5", 1, "out", utc(9, 10), "31", "air", "valid", None, None),                    # 17:00 WIB 9 Aug
    ("p1", 2, "in", utc(30, 3, month=7), "14", "motorcycle", "issuer_unauthorized", None, None),  # 30 Jul: week before
    ("p5", 1, "in", utc(7, 2, year=2025), "31", "air", "valid", None, None),           # 7 Aug 2025: a year before
]
# (person, confirmed at (naive UTC)); every case is written not imported, as when its entries
# arrive later: update_imports must find them.
CASES = [
    ("p2", utc(8, 3)),    # entered 00:00 WIB 6 Aug from 14.01: imported
    ("p3", utc(9, 6)),    # entered 6 and 8 Aug: imported, from the later entry (14)
    ("p1", utc(7, 1)),    # entered 23:59 WIB 5 Aug from 31 (and 30 Jul): imported from 31
    ("p6", utc(7, 2)),    # never travelled
    ("p4", utc(21, 1)),   # entered exactly 14 x 24 h before: imported, origin not stated
    ("p5", utc(23, 11)),  # left 9 Aug; entered only a year before: not imported
]


def write_fixture(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.regions), [
            dict(code=code, name=code, level=level, parent_code=parent, population=1000, population_is_estimate=True,
                 population_source="test", centroid_lat=0.5, centroid_lon=101.4, area_km2=1.0, source="test")
            for code, level, parent in (("14.71.01", "kecamatan", None), (KEL, "kelurahan", "14.71.01"))])
        conn.execute(insert(schema.external_regions), [
            dict(code="14", name="Riau", level="province", province_code="14", centroid_lat=0.5, centroid_lon=101.5),
            dict(code="14.01", name="Kampar", level="regency", province_code="14", centroid_lat=0.3, centroid_lon=101.0),
            dict(code="31", name="DKI Jakarta", level="province", province_code="31", centroid_lat=-6.2, centroid_lon=106.8),
        ])
        conn.execute(insert(schema.entry_points), [
            dict(id=1, code="A", name="Airport", type="airport", lat=0.46, lon=101.44, coord_is_approximate=False,
                 source="test"),
            dict(id=2, code="R", name="Road post", type="road_post", lat=0.6, lon=101.3, coord_is_approximate=True,
                 source="test")])
        conn.execute(insert(schema.facilities).values(
            id=1, registry_code="F1", name="Lab", type="lab", kelurahan_code=KEL, lat=0.5, lon=101.4,
            opened_on=date(2020, 1, 1), reports_daily=True, is_synthetic=True, source="test"))
        people = sorted({m[0] for m in MOVEMENTS} | {c[0] for c in CASES})
        conn.execute(insert(schema.persons), [dict(person_key=p, is_resident=True, home_kelurahan_code=KEL)
                                              for p in people])
        conn.execute(insert(schema.movements), [
            dict(person_key=p, entry_point_id=ep, direction=d, at=at, day=wib_day(at), region_code=region, mode=mode,
                 document_status=doc, screening_result=result, screening_test_type=test_type, source_ref=f"M{i}")
            for i, (p, ep, d, at, region, mode, doc, result, test_type) in enumerate(MOVEMENTS)])
        for i, (person, confirmed_at) in enumerate(CASES, start=1):
            conn.execute(insert(schema.test_results).values(
                id=i, facility_id=1, person_key=person, test_type="pcr", purpose="diagnostic",
                specimen_at=confirmed_at, result_at=confirmed_at, reported_at=confirmed_at,
                result_day=wib_day(confirmed_at), result="positive", source_ref=f"T{i}"))
            conn.execute(insert(schema.cases).values(
                person_key=person, test_result_id=i, confirmed_at=confirmed_at, confirmed_day=wib_day(confirmed_at),
                kelurahan_code=KEL, is_imported=False))
        changed = update_imports(conn, *rollups.ALL_DAYS)
        assert changed == (date(2026, 8, 7), date(2026, 8, 21))
        rollups.refresh_all(conn)
        bump(conn)


@pytest.fixture
def movement_db(empty_db):
    write_fixture(empty_db)
    return empty_db


def runner(engine, role="health"):
    def run(name, **params):
        return queries.run(name, role, engine=engine, **params)
    return run


def figures_on(engine, start=START, end=END, role="health") -> fm.Movement:
    run = runner(engine, role)
    span = fm.span(run)
    return fm.movement(run, start, end, role, first_day=span[0] if span else None)


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[columns].itertuples(index=False)]


# ------------------------------------------------------------------------------------ hand counts

def test_imports_found_when_entries_arrive_after_the_cases(movement_db):
    with movement_db.connect() as conn:
        rows = conn.execute(text("SELECT person_key, is_imported, import_region_code FROM cases ORDER BY person_key"))
        assert [tuple(r) for r in rows] == [
            ("p1", True, "31"), ("p2", True, "14.01"), ("p3", True, "14"), ("p4", True, None),
            ("p5", False, None), ("p6", False, None)]


def test_daily_flows_hand_computed(movement_db):
    m = figures_on(movement_db)
    assert [d.date() for d in m.daily["day"]] == [START + timedelta(days=k) for k in range(7)]
    # 23:59 WIB on 5 Aug counts on 5 Aug, 00:00 WIB on the 6th on the 6th.
    assert m.daily["entries"].tolist() == [0, 0, 1, 2, 1, 1, 0]
    assert m.daily["exits"].tolist() == [0, 0, 0, 1, 0, 0, 1]
    assert m.daily["net"].tolist() == [0, 0, 1, 1, 1, 1, -1]
    # 7-day average of entries on 9 Aug: 5 / 7; on 3 Aug: 27 Jul..2 Aug held 30 Jul's entry.
    assert m.daily["entries_7d"].iloc[-1] == pytest.approx(5 / 7)
    assert m.daily["entries_7d"].iloc[0] == pytest.approx(1 / 7)
    # The week before: 30 Jul is D-7 of 6 Aug.
    assert m.daily["entries_week_before"].tolist() == [0, 0, 0, 1, 0, 0, 0]
    # A year before (D-364): 7 Aug 2025 is D-364 of 6 Aug 2026; before the first record, no data.
    assert _rows(m.daily, ["entries_year_before"]) == [(None,), (None,), (None,), (1,), (0,), (0,), (0,)]


def test_comparison_hand_computed(movement_db):
    m = figures_on(movement_db)
    assert _rows(m.comparison, ["period", "entries", "exits", "net"]) == [
        ("last_7", 5, 2, 3), ("previous_7", 1, 0, 1), ("year_before_7", None, None, None)]
    assert m.comparison["start"].tolist() == [date(2026, 8, 3), date(2026, 7, 27), date(2025, 8, 4)]


def test_entry_points_modes_and_hours_hand_computed(movement_db):
    m = figures_on(movement_db)
    assert _rows(m.by_entry_point, ["entry_point", "entries", "exits", "net"]) == [
        ("Airport", 3, 1, 2), ("Road post", 2, 1, 1)]
    modes = m.by_mode.set_index("mode")
    assert modes.loc["air", ["entries", "exits"]].tolist() == [3, 1]
    assert modes.loc["car", ["entries", "exits"]].tolist() == [2, 1]
    assert modes.loc[["bus", "boat", "motorcycle"], "entries"].tolist() == [0, 0, 0]  # 30 Jul is outside
    hours = m.hours.set_index("hour")
    assert {h: n for h, n in hours["entries"].items() if n} == {0: 1, 8: 1, 12: 2, 23: 1}
    assert {h: n for h, n in hours["exits"].items() if n} == {10: 1, 17: 1}


def test_origins_and_destinations_hand_computed(movement_db):
    m = figures_on(movement_db)
    assert _rows(m.provinces, ["province", "entries", "exits"]) == [
        ("Riau", 3, 1), ("DKI Jakarta", 1, 1), (None, 1, 0)]
    assert _rows(m.regencies, ["regency", "province", "entries", "exits"]) == [("Kampar", "Riau", 2, 1)]
    arcs = m.arcs.sort_values(["direction", "code"])
    assert _rows(arcs, ["direction", "code", "movements"]) == [
        ("in", "14", 1), ("in", "14.01", 2), ("in", "31", 1), ("out", "14.01", 1), ("out", "31", 1)]


def test_documents_hand_computed(movement_db):
    m = figures_on(movement_db)
    docs = m.documents.set_index("entry_point")
    assert docs.loc["Airport", ["entries", "valid", "expired", "mismatch", "none"]].tolist() == [3, 1, 1, 1, 0]
    assert docs.loc["Airport", "valid_share"] == pytest.approx(1 / 3)
    assert docs.loc["Road post", ["entries", "valid", "none", "not_found"]].tolist() == [2, 0, 1, 1]
    assert docs.loc["Road post", "valid_share"] == 0
    city = m.document_trend[m.document_trend["entry_point"].isna()].set_index("day")
    assert city.loc[pd.Timestamp(2026, 8, 6), ["entries", "valid"]].tolist() == [2, 0]
    assert city.loc[pd.Timestamp(2026, 8, 5), "valid_share"] == 1.0
    assert pd.isna(city.loc[pd.Timestamp(2026, 8, 4), "valid_share"])  # nobody entered


def test_a_window_without_entries_has_every_entry_point_at_zero(movement_db):
    """A window with no entries at all: the documents table still names
    its entry points (the assembly once produced a column called "index" there) and counts zero."""
    m = figures_on(movement_db, START - timedelta(days=60), START - timedelta(days=40))
    assert m.documents["entry_point"].tolist() == sorted(m.by_entry_point["entry_point"])
    assert (m.documents[["entries", "valid", "none"]] == 0).all().all()
    assert m.documents["valid_share"].isna().all()
    assert (m.daily[["entries", "exits", "net"]] == 0).all().all() and (m.daily["entries_7d"].fillna(0) == 0).all()
    assert m.comparison.set_index("period").loc["last_7", "entries"] == 0


def test_screening_by_test_type_hand_computed(movement_db):
    m = figures_on(movement_db)
    assert _rows(m.screening, ["test_type", "screened", "positive", "negative", "positivity"]) == [
        ("pcr", 2, 1, 1, 0.5), ("antigen", 2, 1, 1, 0.5)]
    last = m.screening_trend[m.screening_trend["day"] == pd.Timestamp(END)].set_index("test_type")
    assert last["tested_7d"].tolist() == [2, 2]


def test_imported_share_hand_computed(movement_db):
    m = figures_on(movement_db)
    per_day = m.imported.set_index("day")
    assert per_day.loc[pd.Timestamp(2026, 8, 7), ["new_cases", "imported_cases"]].tolist() == [2, 1]
    assert per_day.loc[pd.Timestamp(2026, 8, 9), "share_7d"] == pytest.approx(3 / 4)
    assert m.imported_total == (4, 3, 0.75)
    assert _rows(m.imported_origin, ["province", "regency", "imported_cases"]) == [
        ("Riau", None, 1), ("Riau", "Kampar", 1), ("DKI Jakarta", None, 1)]  # by count, then code


def test_imported_origin_for_health_only(movement_db):
    assert figures_on(movement_db, role="mayor").imported_origin is None
    with pytest.raises(queries.QueryNotAllowed):
        queries.run("movement_imported_origin", "mayor", engine=movement_db, start=START, end=END)
    for role in ("press", "admin", "checkpoint"):
        with pytest.raises(queries.QueryNotAllowed):
            queries.run("movement_flows", role, engine=movement_db, start=START, end=END)


def test_holidays_marked(movement_db):
    m = figures_on(movement_db, date(2026, 3, 15), date(2026, 3, 25))
    assert _rows(m.holidays, ["kind", "year_before"]) == [("idul_fitri", False), ("idul_fitri", False)]
    year_end = figures_on(movement_db, date(2026, 12, 20), date(2027, 1, 3)).holidays
    assert [d.date() for d in year_end.loc[~year_end["year_before"], "day"]] == [date(2026, 12, 25), date(2027, 1, 1)]
    # A year before (D-364): 25 Dec 2025 is drawn at 24 Dec 2026.
    assert date(2026, 12, 24) in [d.date() for d in year_end.loc[year_end["year_before"], "day"]]


def test_default_window_is_28_days_to_the_last_complete_day():
    assert fm.default_window((date(2025, 1, 1), date(2026, 8, 9)), date(2026, 8, 9)) == (date(2026, 7, 12), date(2026, 8, 8))
    assert fm.default_window((date(2025, 1, 1), date(2026, 8, 1)), date(2026, 8, 9)) == (date(2026, 7, 5), date(2026, 8, 1))


def test_empty_database(empty_db):
    run = runner(empty_db)
    assert fm.span(run) is None
    m = fm.movement(run, START, END, "health")
    assert m.daily["entries"].sum() == 0 and m.screening.empty and m.imported_total == (0, 0, None)


# --------------------------------------------------------------- a second computation in pandas

class Raw:
    """The same figures from the raw rows, without the rollups."""

    def __init__(self, engine):
        self.m = pd.read_sql("SELECT * FROM movements", engine)
        self.m["at"] = pd.to_datetime(self.m["at"], format="mixed")
        wib = self.m["at"] + pd.Timedelta(hours=7)
        self.m["d"] = wib.dt.normalize()
        self.m["hour"] = wib.dt.hour
        self.c = pd.read_sql("SELECT person_key, confirmed_at FROM cases", engine)
        self.c["confirmed_at"] = pd.to_datetime(self.c["confirmed_at"], format="mixed")
        self.c["d"] = (self.c["confirmed_at"] + pd.Timedelta(hours=7)).dt.normalize()
        self.regions = pd.read_sql("SELECT * FROM external_regions", engine).set_index("code")
        self.points = pd.read_sql("SELECT id, name FROM entry_points", engine).set_index("id")["name"]

    def window(self, start, end) -> pd.DataFrame:
        return self.m[(self.m["d"] >= pd.Timestamp(start)) & (self.m["d"] <= pd.Timestamp(end))]

    def imported(self) -> pd.DataFrame:
        """Each case with whether its person entered in the 14 days before, and from where (the last entry)."""
        entries = self.m[self.m["direction"] == "in"][["person_key", "at", "region_code"]]
        j = self.c.reset_index().merge(entries, on="person_key", how="left")
        ok = (j["at"] <= j["confirmed_at"]) & (j["at"] >= j["confirmed_at"] - pd.Timedelta(days=14))
        last = j[ok].sort_values(["index", "at"]).groupby("index").last()
        out = self.c.copy()
        out["imported"] = out.index.isin(last.index)
        out["origin"] = last["region_code"].reindex(out.index)
        return out


def assert_matches_pandas(engine, start: date, end: date) -> None:
    raw = Raw(engine)
    m = figures_on(engine, start, end)
    w = raw.window(start, end)
    days = pd.date_range(start, end)
    entries = w[w["direction"] == "in"].groupby("d").size().reindex(days, fill_value=0)
    exits = w[w["direction"] == "out"].groupby("d").size().reindex(days, fill_value=0)
    assert m.daily["entries"].tolist() == entries.tolist()
    assert m.daily["exits"].tolist() == exits.tolist()
    assert m.daily["net"].tolist() == (entries - exits).tolist()
    # 7-day average on the last day, from the raw rows of its week.
    week = raw.window(end - timedelta(days=6), end)
    assert m.daily["entries_7d"].iloc[-1] == pytest.approx((week["direction"] == "in").sum() / 7)
    before = raw.window(start - timedelta(days=7), end - timedelta(days=7))
    assert m.daily["exits_week_before"].sum() == (before["direction"] == "out").sum()

    by_point = w.groupby(["entry_point_id", "direction"]).size().unstack(fill_value=0).reindex(
        columns=["in", "out"], fill_value=0)
    got = m.by_entry_point.set_index("entry_point_id")
    assert got["entries"].to_dict() == by_point["in"].reindex(got.index, fill_value=0).to_dict()
    assert got["exits"].to_dict() == by_point["out"].reindex(got.index, fill_value=0).to_dict()
    by_mode = w[w["direction"] == "in"].groupby("mode").size()
    assert m.by_mode.set_index("mode")["entries"][lambda s: s > 0].to_dict() == by_mode.to_dict()
    hours = w[w["direction"] == "in"].groupby("hour").size()
    assert m.hours.set_index("hour")["entries"][lambda s: s > 0].to_dict() == hours.to_dict()

    province = w["region_code"].fillna("").str.slice(0, 2)
    by_province = w.assign(p=province)[w["direction"] == "in"].groupby("p").size()
    assert m.provinces.set_index("province_code")["entries"][lambda s: s > 0].to_dict() == by_province.to_dict()
    regency = w[w["region_code"].str.len().fillna(0) > 2]
    assert m.regencies.set_index("code")["exits"][lambda s: s > 0].to_dict() == \
        regency[regency["direction"] == "out"].groupby("region_code").size().to_dict()

    entered = w[w["direction"] == "in"]
    docs = entered.groupby(["entry_point_id", "document_status"]).size().unstack(fill_value=0)
    got_docs = m.documents.set_index("entry_point")
    for point_id, row in docs.iterrows():
        name = raw.points[point_id]
        for status, n in row.items():
            assert got_docs.loc[name, status] == n, (name, status)
        assert got_docs.loc[name, "valid_share"] == pytest.approx(row.get("valid", 0) / row.sum())

    screened = w[w["screening_result"].notna()]
    by_type = screened.assign(t=screened["screening_test_type"].fillna("")).groupby("t")
    got_screening = m.screening.set_index("test_type")
    assert set(got_screening.index) == set(by_type.groups)
    for test_type, part in by_type:
        positive, negative = (part["screening_result"] == "positive").sum(), (part["screening_result"] == "negative").sum()
        assert got_screening.loc[test_type, ["screened", "positive", "negative"]].tolist() == [len(part), positive, negative]
        assert got_screening.loc[test_type, "positivity"] == pytest.approx(positive / (positive + negative))

    imported = raw.imported()
    cases = imported[(imported["d"] >= pd.Timestamp(start)) & (imported["d"] <= pd.Timestamp(end))]
    assert m.imported_total[:2] == (len(cases), int(cases["imported"].sum()))
    per_day = cases.groupby("d")["imported"].agg(["size", "sum"]).reindex(days, fill_value=0)
    assert m.imported["new_cases"].tolist() == per_day["size"].tolist()
    assert m.imported["imported_cases"].tolist() == per_day["sum"].tolist()
    origins = cases[cases["imported"]]["origin"].fillna("").value_counts()
    assert m.imported_origin["imported_cases"].sum() == origins.sum()
    assert sorted(m.imported_origin["imported_cases"].tolist()) == sorted(origins.tolist())


def test_fixture_matches_pandas(movement_db):
    assert_matches_pandas(movement_db, START, END)
    assert_matches_pandas(movement_db, date(2026, 7, 28), date(2026, 8, 31))


def test_small_city_matches_pandas(small_city):
    run = runner(small_city)
    first, last = fm.span(run)
    start, end = fm.default_window((first, last), last + timedelta(days=1))
    assert_matches_pandas(small_city, start, end)
    assert_matches_pandas(small_city, last - timedelta(days=400), last - timedelta(days=300))


def test_small_city_imports_equal_the_rule_over_raw_rows(small_city):
    raw = Raw(small_city)
    imported = raw.imported()
    stored = pd.read_sql("SELECT person_key, is_imported, import_region_code FROM cases", small_city)
    both = imported.merge(stored, on="person_key")
    assert both["imported"].sum() > 0
    assert (both["imported"] == both["is_imported"].astype(bool)).all()
    assert (both["origin"].fillna("") == both["import_region_code"].fillna("")).all()


def test_the_pages_runner_that_starts_the_queries_together_gives_the_same_figures(movement_db):
    """pages/movement.py's runner starts the nine queries together (figures.common.prefetch) and
    reads each once; every figure is the one of a runner that runs them one by one."""
    import dataclasses

    from tests.test_query_runner import one_by_one_and_together

    one_by_one, together, executed = one_by_one_and_together(movement_db, fm.movement, START, END, "health")
    for field in dataclasses.fields(fm.Movement):
        mine, theirs = getattr(together, field.name), getattr(one_by_one, field.name)
        if isinstance(mine, pd.DataFrame):
            pd.testing.assert_frame_equal(mine, theirs)
        else:
            assert mine == theirs, field.name
    for name in ("movement_entry_points", "movement_hours", "movement_regions", "movement_documents",
                 "movement_screening", "movement_imported", "movement_imported_origin"):
        threads = executed.of_query(name)
        assert len(threads) == 1 and threads[0].startswith("query"), (name, threads)
    # This year's flows and a year before's: one query, two periods.
    assert len(executed.of_query("movement_flows")) == 2


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["road", "air", "sea", None]),
                               st.integers(0, 500), st.integers(0, 500)), max_size=40))
def test_entries_and_exits_by_day_and_key_equal_pandas_groupby(rows):
    """The numpy grouping of the point and mode tables (fm._by_direction) against pandas' groupby,
    keys sorted, rows with a missing key left out, the same types."""
    flows = pd.DataFrame({"day": pd.to_datetime([date(2026, 9, 1) + timedelta(days=d) for d, *_ in rows])
                          .astype("datetime64[s]"),
                          "mode": pd.array([m for _, m, *_ in rows], dtype="str"),
                          "entries": np.array([e for *_, e, _ in rows], dtype="int64"),
                          "exits": np.array([x for *_, x in rows], dtype="int64")})
    want = flows.groupby(["day", "mode"], sort=True, as_index=False)[["entries", "exits"]].sum()
    pd.testing.assert_frame_equal(fm._by_direction(flows, ["day", "mode"]), want)
