"""Dropping and restoring named foreign keys, on PostgreSQL and on SQLite.

SQLite changes a table's constraints only by rebuilding it, so there the table's CREATE statement
is edited and its rows and indexes are put back.
"""
import re

from alembic import op
from sqlalchemy import text

# table -> ((column, referred table, referred column), ...)
Keys = dict[str, tuple[tuple[str, str, str], ...]]


def drop(keys_by_table: Keys) -> None:
    for table, keys in keys_by_table.items():
        if op.get_bind().dialect.name == 'sqlite':
            def without_keys(sql: str, table=table, keys=keys) -> str:
                for key in keys:
                    sql, found = re.subn(r',\s*' + re.escape(_clause(table, *key)), '', sql)
                    assert found == 1, f'{table}: {key} not found in {sql}'
                return sql
            _rebuild_sqlite_table(table, without_keys)
        else:
            for column, referred, _ in keys:
                op.drop_constraint(_name(table, column, referred), table, type_='foreignkey')


def restore(keys_by_table: Keys) -> None:
    for table, keys in keys_by_table.items():
        if op.get_bind().dialect.name == 'sqlite':
            def with_keys(sql: str, table=table, keys=keys) -> str:
                body = sql.rstrip().removesuffix(')').rstrip()
                return body + ''.join(f', \n\t{_clause(table, *key)}' for key in keys) + '\n)'
            _rebuild_sqlite_table(table, with_keys)
        else:
            for column, referred, referred_column in keys:
                op.create_foreign_key(_name(table, column, referred), table, referred, [column], [referred_column])


def _name(table: str, column: str, referred: str) -> str:
    return f'fk_{table}_{column}_{referred}'


def _clause(table: str, column: str, referred: str, referred_column: str) -> str:
    """As SQLAlchemy writes a named foreign key in SQLite's CREATE TABLE."""
    return f'CONSTRAINT {_name(table, column, referred)} FOREIGN KEY({column}) REFERENCES {referred} ({referred_column})'


def _rebuild_sqlite_table(table: str, edit) -> None:
    """Rebuild `table` from its CREATE statement as `edit` changes it. Its rows are set aside and
    copied back into the rebuilt table, rather than a new table renamed into place, so that the
    foreign keys pointing at them (cases and certificates at test results), checked at commit,
    find them again."""
    conn = op.get_bind()
    table_sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
                             {'t': table}).scalar_one()
    index_sqls = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                                   "AND sql IS NOT NULL"), {'t': table}).scalars().all()
    conn.exec_driver_sql(f'CREATE TEMPORARY TABLE set_aside AS SELECT * FROM {table} WHERE 0')
    conn.exec_driver_sql(f'INSERT INTO set_aside SELECT * FROM {table}')
    # After the first write, inside the transaction: the setting lasts until its commit.
    conn.exec_driver_sql('PRAGMA defer_foreign_keys = ON')
    conn.exec_driver_sql(f'DROP TABLE {table}')
    conn.exec_driver_sql(edit(table_sql))
    for sql in index_sqls:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(f'INSERT INTO {table} SELECT * FROM set_aside')
    conn.exec_driver_sql('DROP TABLE set_aside')
