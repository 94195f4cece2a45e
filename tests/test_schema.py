"""The Alembic migrations build exactly the schema defined in casedb.schema, on both engines."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from casedb.schema import metadata


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
