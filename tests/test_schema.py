"""The Alembic migrations build exactly the schema defined in casedb.schema, on both engines."""
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
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
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with empty_db.begin() as conn:
            conn.execute(text(
                "INSERT INTO external_regions (code, name, level, province_code, centroid_lat, centroid_lon) "
                "VALUES ('99', 'Nowhere', 'planet', '99', 0, 0)"
            ))


def test_revision_0002_keeps_the_rows_of_a_loaded_database(backend, tmp_path):
    """A database loaded at revision 0001 (cases and certificates pointing at its test results)
    upgrades with every row kept and only the person and batch foreign keys gone, and back."""
    url = create_database(backend, tmp_path)
    try:
        engine = get_engine(url)
        upgrade(engine, "0001")
        with engine.begin() as conn:
            reference.load(conn)
        fixtures = Path(__file__).parent / "fixtures" / "ingest"
        load(engine, "movements", fixtures / "movements.csv", pepper="p")
        assert load(engine, "test_results", fixtures / "results_good.csv", pepper="p").cases_created == 2

        def row_counts() -> dict[str, int]:
            with engine.connect() as conn:
                return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                        for t in metadata.sorted_tables}

        def foreign_keys() -> set[str]:
            inspector = inspect(engine)
            return {fk["name"] for table in ("test_results", "movements") for fk in inspector.get_foreign_keys(table)}

        loaded = row_counts()
        person_and_batch = {"fk_test_results_person_key_persons", "fk_test_results_batch_id_ingest_batches",
                            "fk_movements_person_key_persons"}
        assert person_and_batch <= foreign_keys()
        upgrade(engine, "0002")
        assert row_counts() == loaded
        assert foreign_keys() == {"fk_test_results_facility_id_facilities", "fk_movements_entry_point_id_entry_points",
                                  "fk_movements_region_code_external_regions"}
        assert {i["name"] for i in inspect(engine).get_indexes("test_results")} >= {
            i.name for i in metadata.tables["test_results"].indexes}
        _downgrade(engine, "0001")
        assert row_counts() == loaded
        assert person_and_batch <= foreign_keys()
    finally:
        drop_database(url)


def _downgrade(engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
