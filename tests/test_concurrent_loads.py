"""Two loads at once never make one person two cases (issue 18, item 8): two labs' files with
positive results for the same people, loaded by two threads on their own connections, started
together; on PostgreSQL (READ COMMITTED) and on SQLite. On PostgreSQL a third connection holds the
data-version row until both loads wait, so that the loads overlap every time."""
from __future__ import annotations

import threading
import time

import pytest

from sqlalchemy import text

from casedb import reference
from casedb.ingest import load

PEPPER = "concurrent-loads-Pepper-0123456789-abcdef"
PERSONS = 60
HEADER = ("No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
          "Tanggal Pengambilan Spesimen;Tanggal Hasil;Tanggal Lapor;Hasil")


def _file(lab: str, facility: str, result: str, day: int) -> bytes:
    lines = [HEADER] + [
        f"{lab}-{n};{facility};1471010101{n:06d};L;1990;14.71.08.1010;PCR;0{day}/08/2021 08:00;"
        f"0{day}/08/2021 20:00;0{day}/08/2021 21:00;{result}"
        for n in range(PERSONS)]
    return ("\r\n".join(lines) + "\r\n").encode()


def _wait_until_both_wait_on_a_lock(engine, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one()
            if waiting >= 2:
                return
            conn.rollback()
            time.sleep(0.05)
    raise AssertionError("the two loads never both waited")


def _facilities(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT registry_code FROM facilities ORDER BY id LIMIT 3")).scalars())


@pytest.mark.parametrize("day_a, day_b", [(5, 6), (5, 5)])
def test_two_labs_loading_positives_for_the_same_people_at_once_make_one_case_each(empty_db, day_a, day_b):
    """Results of different days give the two cases different rollup rows (before: two cases per
    person); of the same day, the same rows (before: one load failed on the rollup's key)."""
    with empty_db.begin() as conn:
        reference.load(conn)
    first, lab_a, lab_b = _facilities(empty_db)
    # The people are known already (an earlier negative test), so that neither load waits on the
    # other's new persons rows: only the case check stands between them.
    assert load(empty_db, "test_results", _file("N", first, "Negatif", 1), pepper=PEPPER).accepted == PERSONS
    start = threading.Barrier(2)
    summaries, errors = [], []
    blocker = None
    if empty_db.dialect.name == "postgresql":
        # The race made certain: a third connection holds the data-version row, which every load
        # updates last, so that neither load commits before both have got as far as they can.
        blocker = empty_db.connect()
        blocker.begin()
        blocker.execute(text("SELECT version FROM data_version WHERE id = 1 FOR UPDATE"))

    def run(lab: str, facility: str, day: int) -> None:
        try:
            content = _file(lab, facility, "Positif", day)
            start.wait(timeout=30)
            summaries.append(load(empty_db, "test_results", content, file_name=f"{lab}.csv", pepper=PEPPER))
        except Exception as error:  # noqa: BLE001 - a failed load must fail the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=args) for args in (("A", lab_a, day_a), ("B", lab_b, day_b))]
    for thread in threads:
        thread.start()
    if blocker is not None:
        _wait_until_both_wait_on_a_lock(empty_db)
        blocker.rollback()
        blocker.close()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert sorted(s.accepted for s in summaries) == [PERSONS, PERSONS]
    with empty_db.connect() as conn:
        per_person = conn.execute(text("SELECT COUNT(*) FROM cases GROUP BY person_key")).scalars().all()
        new_cases = conn.execute(text("SELECT COALESCE(SUM(new_cases), 0) FROM daily_area")).scalar_one()
    assert len(per_person) == PERSONS and set(per_person) == {1}
    assert sum(s.cases_created for s in summaries) == PERSONS
    assert new_cases == PERSONS


def test_the_migration_keeps_one_case_per_person_where_two_were_made(backend, tmp_path):
    from casedb import rollups
    from casedb.engine import get_engine
    from casedb.migrate import upgrade
    from tests.conftest import create_database, drop_database
    from tests.test_schema import _downgrade

    url = create_database(backend, tmp_path)
    try:
        engine = get_engine(url)
        upgrade(engine)
        with engine.begin() as conn:
            reference.load(conn)
        _, lab_a, lab_b = _facilities(engine)
        load(engine, "test_results", _file("A", lab_a, "Positif", 5), pepper=PEPPER)
        load(engine, "test_results", _file("B", lab_b, "Positif", 6), pepper=PEPPER)
        # Loaded by today's ingestion (which writes today's columns), then taken down to the revision
        # before one case per person was made sure of.
        _downgrade(engine, "0009_pepper_fingerprint")
        with engine.begin() as conn:
            # What two loads at once made before: a second case of each person, from lab B's result,
            # one of them with a contact, and the rollup counting both.
            conn.execute(text(
                "INSERT INTO cases (person_key, test_result_id, confirmed_at, confirmed_day, kelurahan_code, "
                "approx_lat, approx_lon, age_group, sex, is_imported) "
                "SELECT c.person_key, tr.id, tr.result_at, tr.result_day, c.kelurahan_code, c.approx_lat, "
                "c.approx_lon, c.age_group, c.sex, c.is_imported FROM cases c JOIN test_results tr "
                "ON tr.person_key = c.person_key JOIN facilities f ON f.id = tr.facility_id "
                "WHERE f.registry_code = :lab"), {"lab": lab_b})
            second, contact = conn.execute(text(
                "SELECT MAX(id), MIN(person_key) FROM cases")).one()
            conn.execute(text(
                "INSERT INTO contacts (index_case_id, contact_person_key, relation, listed_at) "
                "VALUES (:case, :person, 'household', CURRENT_TIMESTAMP)"), {"case": second, "person": contact})
            rollups.refresh(conn, *rollups.ALL_DAYS, ("daily_area",))
            assert conn.execute(text("SELECT SUM(new_cases) FROM daily_area")).scalar_one() == 2 * PERSONS
        upgrade(engine)
        with engine.connect() as conn:
            assert set(conn.execute(text("SELECT COUNT(*) FROM cases GROUP BY person_key")).scalars()) == {1}
            assert conn.execute(text("SELECT SUM(new_cases) FROM daily_area")).scalar_one() == PERSONS
            kept_contact = conn.execute(text(
                "SELECT c.confirmed_day FROM contacts x JOIN cases c ON c.id = x.index_case_id")).scalar_one()
            assert str(kept_contact) == "2021-08-05"
    finally:
        drop_database(url)
