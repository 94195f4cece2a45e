"""The Alembic migrations build exactly the schema defined in casedb.schema, on both engines."""
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
import pytest
from sqlalchemy import func, inspect, select, text

from casedb import reference
from casedb.engine import get_engine
from casedb.ingest import load
from casedb.migrate import alembic_config, upgrade
from casedb.schema import metadata
from tests.conftest import create_database, drop_database


def test_migrated_schema_matches_the_definition(empty_db):
    with empty_db.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_table_and_index_exists(empty_db):
    inspector = inspect(empty_db)
    assert set(metadata.tables) <= set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        expected = {index.name for index in table.indexes}
        actual = {index["name"] for index in inspector.get_indexes(table.name)}
        assert expected <= actual, table.name


def test_fresh_database_starts_at_data_version_zero(empty_db):
    with empty_db.connect() as conn:
        assert conn.execute(text("SELECT version FROM data_version")).scalar_one() == 0


def test_check_constraints_refuse_unknown_vocabulary(empty_db):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with empty_db.begin() as conn:
            conn.execute(text(
                "INSERT INTO external_regions (code, name, level, province_code, centroid_lat, centroid_lon) "
                "VALUES ('99', 'Nowhere', 'planet', '99', 0, 0)"
            ))


# revision -> the foreign keys it drops (the high-volume tables' row-checked references)
DROPPED_KEYS = {
    "0002": {"fk_test_results_person_key_persons", "fk_test_results_batch_id_ingest_batches",
             "fk_movements_person_key_persons"},
    "0003": {"fk_test_results_facility_id_facilities", "fk_movements_entry_point_id_entry_points",
             "fk_movements_region_code_external_regions", "fk_persons_home_kelurahan_code_regions",
             "fk_persons_home_region_code_external_regions"},
}


@pytest.mark.parametrize("revision", sorted(DROPPED_KEYS))
def test_revisions_dropping_foreign_keys_keep_every_row(backend, tmp_path, revision):
    """A database holding rows at the revision before (cases and certificates pointing at its test
    results, results at their persons) upgrades with every row kept and exactly the revision's
    foreign keys gone, and back. The rows are loaded by today's code at the head revision, which
    is then taken down to the revision before: today's writers write today's columns."""
    previous = f"{int(revision) - 1:04d}"
    url = create_database(backend, tmp_path)
    try:
        engine = get_engine(url)
        # Loaded by today's ingestion (which writes today's columns), then taken down to the
        # revision before.
        upgrade(engine)
        with engine.begin() as conn:
            reference.load(conn)
        fixtures = Path(__file__).parent / "fixtures" / "ingest"
        load(engine, "movements", fixtures / "movements.csv", pepper="p")
        assert load(engine, "test_results", fixtures / "results_good.csv", pepper="p").cases_created == 2
        _downgrade(engine, previous)

        def row_counts() -> dict[str, int]:
            present = set(inspect(engine).get_table_names())  # tables of later revisions are not there yet
            with engine.connect() as conn:
                return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                        for t in metadata.sorted_tables if t.name in present}

        def foreign_keys() -> set[str]:
            inspector = inspect(engine)
            return {fk["name"] for table in inspector.get_table_names() for fk in inspector.get_foreign_keys(table)}

        def indexes(table: str) -> set[str]:
            return {i["name"] for i in inspect(engine).get_indexes(table)}

        loaded, before = row_counts(), foreign_keys()
        # The indexes of the revision before (later revisions add their own, e.g. 0014's).
        indexed = {table: indexes(table) for table in ("persons", "test_results", "movements")}
        assert DROPPED_KEYS[revision] <= before
        upgrade(engine, revision)
        assert row_counts() == loaded
        assert foreign_keys() == before - DROPPED_KEYS[revision]
        for table, names in indexed.items():
            assert indexes(table) >= names, table
        _downgrade(engine, previous)
        assert row_counts() == loaded
        assert foreign_keys() == before
    finally:
        drop_database(url)


def test_revision_0004_moves_id_sequences_past_the_stored_rows(backend, tmp_path):
    """A database whose loads wrote ids without advancing PostgreSQL's sequence (as they did
    before) takes the next new facility's id after the stored ones once upgraded."""
    url = create_database(backend, tmp_path)
    try:
        engine = get_engine(url)
        upgrade(engine, "0003")
        with engine.begin() as conn:
            reference.load(conn)
            if backend == "postgresql":
                conn.execute(text("SELECT setval(pg_get_serial_sequence('facilities', 'id'), 1, false)"))
        upgrade(engine, "0004")
        with engine.begin() as conn:
            stored = conn.execute(text("SELECT MAX(id) FROM facilities")).scalar_one()
            conn.execute(text(
                "INSERT INTO facilities (registry_code, name, type, kelurahan_code, lat, lon, opened_on, "
                "closed_weekdays, reports_daily, is_synthetic, source) SELECT 'NEW-1', name, type, kelurahan_code, "
                "lat, lon, opened_on, closed_weekdays, reports_daily, is_synthetic, source FROM facilities WHERE id = 1"))
            assert conn.execute(text("SELECT id FROM facilities WHERE registry_code = 'NEW-1'")).scalar_one() \
                == stored + 1
    finally:
        drop_database(url)


def _downgrade(engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_revision_0006_fills_the_h3_cells_of_stored_cases(backend, tmp_path):
    """Cases stored before 0005 get the cells today's writers give them, and the rollup counts them."""
    url = create_database(backend, tmp_path)
    try:
        engine = get_engine(url)
        upgrade(engine, "head")
        with engine.begin() as conn:
            reference.load(conn)
        fixtures = Path(__file__).parent / "fixtures" / "ingest"
        assert load(engine, "test_results", fixtures / "results_good.csv", pepper="p").cases_created == 2

        def cells():
            with engine.connect() as conn:
                return (conn.execute(text("SELECT id, h3_r7, h3_r8, h3_r9 FROM cases ORDER BY id")).all(),
                        conn.execute(text("SELECT * FROM daily_case_cells ORDER BY day, h3_r9")).all())

        written = cells()
        assert all(row[3] for row in written[0]) and sum(row[-1] for row in written[1]) == 2
        _downgrade(engine, "0012_movement_rollups")
        upgrade(engine, "0013_case_h3_cells")
        assert cells() == written
    finally:
        drop_database(url)
