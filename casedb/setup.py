"""Set up a production database in one command:

    python -m casedb.setup URL [--facilities FILE] [--admin USERNAME] [--password-stdin] [--lang id|en]

1. the schema at the head revision (casedb.migrate; an existing database is upgraded in place);
2. the project's reference tables: kecamatan and kelurahan, the regions travellers come from, the
   city's entry points (casedb.reference; missing rows are added, present ones left alone). The
   project's list of real facilities is not loaded: the registry is the health office's own;
3. the health office's facility registry file (CSV or XLSX, source `facilities`), checked like every
   ingestion file, rejected rows kept with their reasons. The same file again is skipped; a changed
   file adds new facilities and updates changed ones (audited), deleting none;
4. a first admin account, its password prompted for (or one line of standard input with
   --password-stdin), never an argument. An account that exists is left as it is.

Running it again changes nothing and says so. Exit status: 0 done, 2 refused (a bad file or
password), 1 the database failed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from casedb import data_version, reference, schema, users
from casedb.bulk import advance_id_sequence
from casedb.engine import DatabaseUnavailable, check, get_engine
from casedb.ingest import IngestRefused, Message, load
from casedb.ingest.read import inspect, open_binary
from casedb.migrate import upgrade

ADMIN_DISPLAY_NAME = "Administrator"


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _missing(conn: Connection, table, key: str, rows: list[dict]) -> list[dict]:
    present = set(conn.execute(select(table.c[key])).scalars())
    return [r for r in rows if r[key] not in present]


def load_reference(engine: Engine) -> int:
    """The project's regions, external regions and entry points; returns how many rows were added
    (0 when every one is there already)."""
    kec, kel = reference.kecamatan_frame(), reference.kelurahan_frame()
    regions = ([{**r, "level": "kecamatan", "parent_code": None} for r in kec.to_dict("records")]
               + [{**r, "level": "kelurahan"} for r in kel.to_dict("records")])
    tables = ((schema.regions, "code", regions),
              (schema.external_regions, "code", reference.external_region_frame().to_dict("records")),
              (schema.entry_points, "code", reference.entry_point_frame().to_dict("records")))
    added = 0
    with engine.begin() as conn:
        for table, key, rows in tables:
            missing = [{k: v for k, v in r.items() if k in table.c} for r in _missing(conn, table, key, rows)]
            if missing:
                conn.execute(insert(table), missing)
                if "id" in table.c:
                    advance_id_sequence(conn, table)
                added += len(missing)
        if added:
            data_version.bump(conn)
    return added


def registry_file_loaded(engine: Engine, path: str | Path) -> int | None:
    """The batch that loaded this very file (same SHA-256) into the registry, if one did."""
    sha256 = inspect(open_binary(path)).sha256
    b = schema.ingest_batches
    with engine.connect() as conn:
        return conn.execute(select(func.max(b.c.id)).where(
            b.c.source == "facilities", b.c.status == "done", b.c.file_sha256 == sha256)).scalar()


def _admin_exists(engine: Engine, username: str):
    with engine.connect() as conn:
        return conn.execute(select(schema.users.c.role).where(
            schema.users.c.username == users.normalise_username(username))).first()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m casedb.setup", description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="the database (default: the DATABASE_URL setting)")
    parser.add_argument("--facilities", metavar="FILE", help="the health office's facility registry, CSV or XLSX")
    parser.add_argument("--admin", metavar="USERNAME", help="create this admin account if it does not exist")
    parser.add_argument("--password-stdin", action="store_true", help="read the admin's password from stdin")
    parser.add_argument("--lang", choices=("id", "en"), default="id", help="language of the messages")
    args = parser.parse_args(argv)
    lang = args.lang

    def say(key: str, **params) -> None:
        print(Message(key, params).render(lang))

    def fail(message: Message, status: int) -> int:
        print(message.render(lang), file=sys.stderr)
        return status

    if args.facilities and not Path(args.facilities).is_file():
        return fail(Message("ingest.file.not_found", {"path": args.facilities}), 2)
    changed = False
    try:
        engine = get_engine(args.url)
        try:
            check(engine)
        except DatabaseUnavailable as error:
            if error.reason != "db.not_initialised":  # an empty database is what setup is for
                raise
        before = schema_revision(engine)
        upgrade(engine)
        after = schema_revision(engine)
        if before == after:
            say("setup.schema_current", revision=after)
        else:
            say("setup.schema_upgraded", revision=after, was=before or "-")
            changed = True
        added = load_reference(engine)
        if added:
            say("setup.reference_added", rows=added)
            changed = True
        else:
            say("setup.reference_current")
        if args.facilities:
            batch = registry_file_loaded(engine, args.facilities)
            if batch is not None:
                say("setup.facilities_same_file", batch=batch)
            else:
                summary = load(engine, "facilities", args.facilities, created_by=args.admin or "setup")
                for line in summary.render(lang):
                    print(line)
                changed = changed or bool(summary.accepted or summary.rejected)
        if args.admin:
            if _admin_exists(engine, args.admin):
                say("setup.admin_exists", username=users.normalise_username(args.admin))
            else:
                password = users._read_password(args.password_stdin)
                created = users.create(engine, args.admin, "admin", password, ADMIN_DISPLAY_NAME)
                say("setup.admin_created", username=created.username)
                changed = True
        else:
            with engine.connect() as conn:
                admins = conn.execute(select(func.count()).select_from(schema.users).where(
                    schema.users.c.role == "admin", schema.users.c.is_active.is_(True))).scalar_one()
            if not admins:
                say("setup.no_admin")
    except IngestRefused as refused:
        return fail(refused.message, 2)
    except users.UserError as refused:
        return fail(Message(refused.key, refused.params), 2)
    except DatabaseUnavailable as error:
        return fail(Message(error.reason), 1)
    except SQLAlchemyError as error:
        return fail(Message("ingest.failed", {"detail": str(error).splitlines()[0]}), 1)
    say("setup.changed" if changed else "setup.unchanged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
