"""The PostgreSQL role the pages read through: `dashboard_reader`, SELECT only.

    python -m casedb.roles DATABASE_URL [--role dashboard_reader] [--password-stdin]

run as the database owner (or a superuser), creates the role if it is missing (roles belong to the
whole server), gives it a password when one is given, and grants on that database exactly:

    GRANT CONNECT ON DATABASE <db> TO dashboard_reader;
    GRANT USAGE ON SCHEMA public TO dashboard_reader;
    GRANT SELECT ON <every table but users> TO dashboard_reader;
    ALTER ROLE dashboard_reader SET default_transaction_read_only = on;

No INSERT, UPDATE, DELETE, TRUNCATE or CREATE; `users` (password hashes) is not readable at all.
Tables added by later migrations need the command run again. Then point the dashboard's read path
at it: READ_DATABASE_URL=postgresql+psycopg2://dashboard_reader:PASSWORD@host/db (sign-in, the audit
log, uploads and other writes keep using DATABASE_URL).
"""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from casedb.engine import get_engine
from casedb.schema import metadata

READER_ROLE = "dashboard_reader"
# Tables the read path never needs and must not see.
UNREADABLE_TABLES = frozenset({"users"})


def grant_statements(database: str, role: str = READER_ROLE) -> list[str]:
    """The GRANT statements for `role` on `database`, quoted as identifiers."""
    q = _quote
    readable = sorted(t for t in metadata.tables if t not in UNREADABLE_TABLES)
    return [
        f"GRANT CONNECT ON DATABASE {q(database)} TO {q(role)}",
        f"GRANT USAGE ON SCHEMA public TO {q(role)}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {q(role)}",
        *(f"GRANT SELECT ON {q(table)} TO {q(role)}" for table in readable),
        f"ALTER ROLE {q(role)} SET default_transaction_read_only = on",
    ]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def create_reader(engine: Engine, password: str | None = None, role: str = READER_ROLE) -> None:
    """Create (if missing) and grant the read-only role on the engine's PostgreSQL database."""
    if engine.dialect.name != "postgresql":
        raise ValueError("the read-only role is a PostgreSQL feature; SQLite files have no roles")
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
        if not exists:
            conn.execute(text(f"CREATE ROLE {_quote(role)} LOGIN"))
        if password is not None:
            # DDL takes no bound parameters: let the driver quote the password as a literal.
            cursor = conn.connection.dbapi_connection.cursor()
            from psycopg2 import sql

            cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
        for statement in grant_statements(engine.url.database, role):
            conn.execute(text(statement))


def reader_url(engine: Engine, password: str | None, role: str = READER_ROLE) -> str:
    """The READ_DATABASE_URL for `role` on the engine's database."""
    url = make_url(engine.url.render_as_string(hide_password=False)).set(username=role, password=password)
    return url.render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m casedb.roles", description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="URL of a user who may create roles and grant on the database")
    parser.add_argument("--role", default=READER_ROLE)
    parser.add_argument("--password-stdin", action="store_true", help="read the role's password from stdin")
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    engine = get_engine(args.database_url)
    try:
        create_reader(engine, password, args.role)
    except Exception as error:  # noqa: BLE001 - the driver's and SQLAlchemy's errors alike: a message, no traceback
        print(f"error: {str(error).splitlines()[0]} (run this as a PostgreSQL superuser, or as a user with "
              f"CREATEROLE that owns the database)", file=sys.stderr)
        return 1
    print(f"role {args.role}: SELECT granted on {engine.url.database} (all tables but "
          f"{', '.join(sorted(UNREADABLE_TABLES))}); set READ_DATABASE_URL to "
          f"{make_url(reader_url(engine, 'PASSWORD', args.role)).render_as_string(hide_password=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
