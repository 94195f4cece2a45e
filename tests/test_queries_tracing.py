"""The contact-tracing page's figures (indicators per period, week and kecamatan; clusters and chains;
follow-up of contacts in quarantine) on SQLite and PostgreSQL: hand-computed values for a tiny
fixture (a contact listed twice, one traced exactly 72 h after its index case's confirmation, two
who became cases), and a second computation in pandas over the raw contacts and cases, for the
fixture and for the small demo city."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert

import queries
from casedb import rollups, schema
from casedb.data_version import bump
from casedb.wib import wib_day
from bench.page_sets.tracing import Raw
from figures import tracing as ft
from tests.test_queries_movement import runner

K1, K2 = "14.71.01", "14.71.02"
KEL1, KEL2 = "14.71.01.1001", "14.71.02.1001"
START, END = date(2026, 8, 3), date(2026, 8, 16)  # two ISO weeks, from Monday 3 Aug


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, second)


# id: (person, kelurahan, confirmed at (naive UTC), recovered day, hospitalised at)
CASES = {
    1: ("p1", KEL1, utc(3, 3), date(2026, 8, 14), None),     # 10:00 WIB 3 Aug
    2: ("p2", KEL2, utc(4, 5), None, None),
    3: ("p3", KEL1, utc(6, 2), None, utc(7, 0)),             # p3 was c1's contact
    4: ("p4", KEL1, utc(12, 1), None, None),                 # p4 was c3's contact
    5: ("p5", KEL2, utc(5, 16, 59), None, None),             # 23:59 WIB 5 Aug; nobody's contact
}
# id: (index case, person, relation, listed, traced, tested, result, quarantine until, last follow-up, became)
CONTACTS = {
    1: (1, "p3", "household", utc(3, 5), utc(3, 6), utc(5, 1), "positive", date(2026, 8, 17), utc(5, 3), 3),
    # Traced exactly 72 h after c1's confirmation: in time.
    2: (1, "p6", "workplace", utc(3, 5), utc(6, 3), None, None, date(2026, 8, 17), utc(10, 3), None),
    # p6 again, as c2's contact: listed twice. Traced 73 h after c2's confirmation: late.
    3: (2, "p6", "social", utc(4, 6), utc(7, 6), utc(7, 7), "negative", date(2026, 8, 18), None, None),
    4: (2, "p7", "travel", utc(4, 6), None, None, None, date(2026, 8, 18), None, None),
    5: (3, "p4", "household", utc(6, 4), utc(6, 5), utc(11, 1), "positive", date(2026, 8, 20), utc(11, 2), 4),
    6: (3, "p8", "household", utc(6, 4), utc(9, 4), None, None, date(2026, 8, 20), utc(12, 10), None),
}


def write_fixture(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.regions), [
            dict(code=code, name=name, level=level, parent_code=parent, population=1000, population_is_estimate=True,
                 population_source="test", centroid_lat=0.5, centroid_lon=101.4, area_km2=1.0, source="test")
            for code, name, level, parent in ((K1, "Satu", "kecamatan", None), (K2, "Dua", "kecamatan", None),
                                              (KEL1, "Kel Satu", "kelurahan", K1), (KEL2, "Kel Dua", "kelurahan", K2))])
        conn.execute(insert(schema.facilities).values(
            id=1, registry_code="F1", name="Lab", type="lab", kelurahan_code=KEL1, lat=0.5, lon=101.4,
            opened_on=date(2020, 1, 1), reports_daily=True, is_synthetic=True, source="test"))
        people = sorted({c[0] for c in CASES.values()} | {k[1] for k in CONTACTS.values()})
        conn.execute(insert(schema.persons), [dict(person_key=p, is_resident=True, home_kelurahan_code=KEL1)
                                              for p in people])
        for i, (person, kel, at, recovered, hospitalised) in CASES.items():
            conn.execute(insert(schema.test_results).values(
                id=i, facility_id=1, person_key=person, test_type="pcr", purpose="diagnostic", specimen_at=at,
                result_at=at, reported_at=at, result_day=wib_day(at), result="positive", source_ref=f"T{i}"))
            conn.execute(insert(schema.cases).values(
                id=i, person_key=person, test_result_id=i, confirmed_at=at, confirmed_day=wib_day(at),
                kelurahan_code=kel, is_imported=False, hospitalised_at=hospitalised,
                recovered_at=None if recovered is None else datetime.combine(recovered, datetime.min.time()),
                recovered_day=recovered))
        conn.execute(insert(schema.contacts), [
            dict(id=i, index_case_id=c, contact_person_key=p, relation=r, listed_at=listed, traced_at=traced,
                 tested_at=tested, test_result=result, quarantine_until=until, last_followup_at=followup,
                 became_case_id=became)
            for i, (c, p, r, listed, traced, tested, result, until, followup, became) in CONTACTS.items()])
        rollups.refresh_all(conn)
        bump(conn)


@pytest.fixture
def tracing_db(empty_db):
    write_fixture(empty_db)
    return empty_db


def values(row, columns) -> list:
    return [None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in (row[c] for c in columns)]


INDICATORS = ["cases", "cases_listed", "contacts", "traced", "traced_in_time", "tested", "became_cases"]
SHARES = ["contacts_per_case", "traced_in_time_share", "tested_share", "became_share", "listed_share"]


# ------------------------------------------------------------------------------------ hand counts

def test_city_indicators_hand_computed(tracing_db):
    city = ft.indicators(runner(tracing_db), START, END, 72).city
    # 5 cases, 2 of them listed before confirmation (c3, c4); 6 contacts (p6 twice), 5 traced, of
    # which 3 within 72 h (c1's p3 after 3 h, p6 at exactly 72 h; c3's p4 after 3 h), 3 tested, 2 became cases.
    assert values(city, INDICATORS) == [5, 2, 6, 5, 3, 3, 2]
    assert values(city, SHARES) == pytest.approx([6 / 5, 3 / 6, 3 / 6, 2 / 6, 2 / 5])


def test_traced_in_time_follows_the_tracing_hours_setting(tracing_db):
    # Within 48 h: p6 at exactly 72 h no longer counts.
    assert ft.indicators(runner(tracing_db), START, END, 48).city["traced_in_time"] == 2
    assert ft.indicators(runner(tracing_db), START, END, 96).city["traced_in_time"] == 5


def test_weekly_and_kecamatan_hand_computed(tracing_db):
    ind = ft.indicators(runner(tracing_db), START, END, 72)
    assert ind.weekly["week"].tolist() == [pd.Timestamp(2026, 8, 3), pd.Timestamp(2026, 8, 10)]
    assert [values(r, INDICATORS) for _, r in ind.weekly.iterrows()] == [[4, 1, 6, 5, 3, 3, 2], [1, 1, 0, 0, 0, 0, 0]]
    assert ind.weekly["traced_in_time_share"].tolist()[1] is None  # no contacts listed that week
    by = ind.kecamatan.set_index("kecamatan_code")
    assert values(by.loc[K1], INDICATORS) == [3, 2, 4, 4, 3, 2, 2]
    assert values(by.loc[K2], INDICATORS) == [2, 0, 2, 1, 0, 1, 0]
    assert by.loc[K2, "kecamatan"] == "Dua" and by.loc[K1, "contacts_per_case"] == pytest.approx(4 / 3)


def test_a_period_without_cases_has_no_shares(tracing_db):
    city = ft.indicators(runner(tracing_db), date(2026, 9, 1), date(2026, 9, 7), 72).city
    assert values(city, INDICATORS) == [0] * 7 and values(city, SHARES) == [None] * 5


def test_clusters_and_chain_hand_computed(tracing_db):
    run = runner(tracing_db)
    found = ft.clusters(run, END)
    # One cluster of 3 from c1: c4 in the last 7 days (10-16 Aug), c1 and c3 in the 7 before.
    assert found.total == 1
    assert found.table[["cluster", "kecamatan_code", "size", "new_7d", "previous_7d", "growth"]].values.tolist() == [
        [1, K1, 3, 1, 2, 0.5]]
    view = ft.chain_view(run, 1, END)
    assert view.edges.values.tolist() == [[1, 3], [3, 4]]
    assert view.drawn and view.nodes[["case_id", "status", "generation"]].values.tolist() == [
        [1, "recovered", 0], [3, "hospitalised", 1], [4, "active", 2]]
    assert view.generations.values.tolist() == [[0, "recovered", 1], [1, "hospitalised", 1], [2, "active", 1]]
    # Too many to draw: summarised by generation only.
    summary = ft.chain_view(run, 1, END, max_nodes=2)
    assert not summary.drawn and summary.size == 3 and "y" not in summary.nodes
    assert ft.chain_view(run, 2, END) is None  # c2 is in no chain


def test_chains_as_they_stood_on_an_earlier_day(tracing_db):
    run = runner(tracing_db)
    # c4 (12 Aug) was not a case yet; c1 recovered only on 14 Aug.
    assert ft.chain_view(run, 1, date(2026, 8, 10)).nodes[["case_id", "status"]].values.tolist() == [
        [1, "active"], [3, "hospitalised"]]
    assert ft.clusters(run, date(2026, 8, 10)).table[
        ["cluster", "size", "new_7d", "previous_7d", "growth"]].values.tolist() == [[1, 2, 1, 1, 1.0]]
    assert ft.clusters(run, date(2026, 8, 5)).total == 0  # c3 not confirmed yet: c1 alone is no cluster


def test_follow_up_hand_computed(tracing_db):
    fu = ft.follow_up(runner(tracing_db), date(2026, 8, 12), 24)
    # At the end of 12 Aug: p3 and p4 became cases; p6 (twice: c1's, c2's), p7 and p8 in quarantine;
    # p8 followed up at 17:00 WIB 12 Aug, the others last seen before 00:00 WIB 12 Aug.
    assert fu.kecamatan[["kecamatan_code", "in_quarantine", "overdue"]].values.tolist() == [[K1, 2, 1], [K2, 2, 2]]
    assert fu.overdue["contact_id"].tolist() == [4, 3, 2]
    assert fu.overdue["index_case_id"].tolist() == [2, 2, 1]
    assert "contact_person_key" not in fu.overdue
    # A day earlier p4 had not become a case yet: in quarantine, last seen 09:00 WIB 11 Aug.
    earlier = ft.follow_up(runner(tracing_db), date(2026, 8, 11), 24)
    assert earlier.kecamatan[["in_quarantine", "overdue"]].values.tolist() == [[3, 1], [2, 2]]


def test_the_mayor_sees_the_summary_but_no_chain_or_contact(tracing_db):
    mayor = runner(tracing_db, "mayor")
    assert ft.indicators(mayor, START, END, 72).city["contacts"] == 6
    for name in ("tracing_clusters", "tracing_chain", "tracing_quarantine_kecamatan", "tracing_overdue_contacts"):
        with pytest.raises(queries.QueryNotAllowed):
            queries.run(name, "mayor", engine=tracing_db, **{p: None for p in queries.load(name, "sqlite").params})


# ------------------------------------------------------------------------- pandas over raw rows
# Raw (bench/page_sets/tracing.py): the same figures from the raw contacts and cases, in pandas,
# with days from the timestamps; also the page benchmark's naive baseline.

def assert_matches_pandas(engine, start: date, end: date, hours: int = 72) -> None:
    run, raw = runner(engine), Raw(engine)
    ind = ft.indicators(run, start, end, hours)
    assert values(ind.city, INDICATORS) == raw.indicators(start, end, hours).iloc[0][INDICATORS].tolist()
    weekly = raw.indicators(start, end, hours, "week")
    assert [values(r, INDICATORS) for _, r in ind.weekly.iterrows()] == weekly[INDICATORS].values.tolist()
    kec = raw.indicators(start, end, hours, "kecamatan")
    mine = ind.kecamatan.set_index("kecamatan_code")
    mine = mine[mine["cases"] > 0]
    assert mine.index.tolist() == kec.index.tolist()
    assert mine[INDICATORS].values.tolist() == kec[INDICATORS].values.tolist()

    found = ft.clusters(run, end, row_limit=1_000_000)
    mine_clusters = sorted((int(c), int(s), int(n), int(p)) for c, s, n, p in
                           found.table[["cluster", "size", "new_7d", "previous_7d"]].values.tolist())
    assert mine_clusters == raw.clusters(end) and found.total == len(mine_clusters)
    for cluster in found.table["cluster"].head(3):
        view = ft.chain_view(run, int(cluster), end)
        assert sorted(view.nodes["case_id"]) == raw.members(int(cluster), end)

    fu = ft.follow_up(run, end, 24, row_limit=1_000_000)
    counts, overdue = raw.follow_up(end, 24)
    shown = {r.kecamatan_code: (r.in_quarantine, r.overdue) for r in fu.kecamatan.itertuples() if r.in_quarantine}
    assert shown == counts
    assert fu.overdue["contact_id"].tolist() == overdue


def test_fixture_matches_pandas(tracing_db):
    assert_matches_pandas(tracing_db, START, END)
    assert_matches_pandas(tracing_db, START, END, hours=48)
    assert_matches_pandas(tracing_db, date(2026, 8, 4), date(2026, 8, 11))


def test_small_city_matches_pandas(small_city):
    run = runner(small_city)
    span = ft.data_span(run)
    start, end = ft.default_period(span)
    assert_matches_pandas(small_city, start, end)
    assert_matches_pandas(small_city, span[0], span[1], hours=24)
    found = ft.clusters(run, span[1])
    assert found.total > 10 and found.table["size"].max() >= 3


def test_the_clusters_listed_on_any_day_are_the_first_by_growth_then_size(small_city):
    """The list reads only the clusters it can show (chain_clusters, migration 0021): on days across
    the history, where later cases have grown some clusters after the day shown, and with short lists
    (ties of size broken by cluster), it is the head of every cluster's ranking from the raw rows."""
    run, raw = runner(small_city), Raw(small_city)
    days = raw.cases.set_index("id")["confirmed_day"]
    first, last = ft.data_span(run)
    for end in (first + (last - first) * k // 4 for k in (1, 2, 3, 4)):
        every = sorted(raw.clusters(end), key=lambda c: (-c[2], -c[1], c[0]))
        assert len(every) > 5, end
        for limit in (5, 20):
            found = ft.clusters(run, end, row_limit=limit)
            assert found.total == len(every)
            got = [tuple(int(v) for v in row) for row in
                   found.table[["cluster", "size", "new_7d", "previous_7d"]].values.tolist()]
            assert got == every[:limit], (end, limit)
            for row in found.table.itertuples():
                on = days.loc[raw.members(int(row.cluster), end)]
                assert (pd.Timestamp(row.first_day), pd.Timestamp(row.last_day)) == (on.min(), on.max())


def test_the_pages_runner_starts_both_follow_up_queries_together(tracing_db):
    from tests.test_query_runner import one_by_one_and_together

    one_by_one, together, executed = one_by_one_and_together(tracing_db, ft.follow_up, date(2026, 8, 12), 24)
    pd.testing.assert_frame_equal(together.kecamatan, one_by_one.kecamatan)
    pd.testing.assert_frame_equal(together.overdue, one_by_one.overdue)
    for name in ("tracing_quarantine_kecamatan", "tracing_overdue_contacts"):
        threads = executed.of_query(name)
        assert len(threads) == 1 and threads[0].startswith("query"), (name, threads)


def test_the_page_starts_its_first_figures_queries_together(tracing_db):
    """pages/tracing.py starts the queries of the indicators, the clusters and the follow-up at once
    (ft.page_calls); each figure then reads its own from the cache, and none runs twice."""
    from bench.pages import bound_run
    from figures.common import prefetch
    from tests.test_query_runner import _Executions

    start, end, hours = date(2026, 8, 1), date(2026, 8, 12), 24
    plain = runner(tracing_db)
    expected = (ft.indicators(plain, start, end, hours), ft.clusters(plain, end), ft.follow_up(plain, end, hours))
    queries.clear_cache()
    version, _ = queries.data_version(tracing_db)
    run = bound_run("health", tracing_db, version)
    with _Executions(tracing_db) as executed:
        prefetch(run, ft.page_calls(start, end, hours))
        got = (ft.indicators(run, start, end, hours), ft.clusters(run, end), ft.follow_up(run, end, hours))
    pd.testing.assert_frame_equal(got[0].weekly, expected[0].weekly)
    pd.testing.assert_frame_equal(got[0].kecamatan, expected[0].kecamatan)
    pd.testing.assert_frame_equal(got[1].table, expected[1].table)
    pd.testing.assert_frame_equal(got[2].overdue, expected[2].overdue)
    for name in ("tracing_weeks_kecamatan", "tracing_clusters", "tracing_quarantine_kecamatan",
                 "tracing_overdue_contacts"):
        threads = executed.of_query(name)
        assert len(threads) == 1 and threads[0].startswith("query"), (name, threads)
