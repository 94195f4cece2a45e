"""Three times the history, for `bench/pages.py --long-history-url` (a benchmark tool, not a test).

    psql -c 'CREATE DATABASE pekanbaru_city3x TEMPLATE pekanbaru_city'   # or --copy-from pekanbaru_city
    python -m bench.history3x --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/pekanbaru_city3x

Extends a copy of the demo city backwards: every event row (test results, certificates, cases,
contacts, movements, facility reports, authorisations) is copied `--times - 1` times, each copy moved
back by whole histories (548 days, 1096 days): the same density of events per day over three times
the days, with the last 548 days exactly as before, so that the pages' figures for the last days are
comparable. Ids move by 100,000,000 per copy (references follow), unique texts (certificate and
authorisation numbers, sender's numbers) get a `-H1`/`-H2` suffix; the reference tables are shared.
Persons are copied too, each copy's keys starting `h1`/`h2` instead of their first two hex digits
(the originals are hex): since migration 0010 a person has at most one case, so a copy's cases need
their own people. Then the rollups are recomputed, the data version bumped, and the database analysed.

Why not the generator with a longer history: at city scale it holds every table in memory (6.6 GB
peak for 548 days), three times that does not fit beside the other work on this machine. One
difference from real data: cases confirmed in a copy's last days have no outcome (they had none in
the original, whose history ended), so they stay active: the active count is higher by about that.

PostgreSQL only. Refuses to touch a database named `pekanbaru_city` and one already extended.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sqlalchemy import Date, DateTime, create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casedb import data_version, rollups, schema  # noqa: E402
from casedb.demo import _checks_after_load  # noqa: E402
from casedb.demo.scales import HISTORY_DAYS  # noqa: E402
from casedb.engine import get_engine  # noqa: E402

ID_OFFSET = 100_000_000
# In foreign-key order. Regions, facilities, entry points stay as they are.
TABLES = ("persons", "authorizations", "authorization_test_types", "test_results", "certificates", "cases",
          "contacts", "movements", "facility_reports")
PERSON_KEYS = {"person_key", "contact_person_key"}  # hex HMACs: a copy's start with h1, h2 (never hex)
ID_REFERENCES = {"test_result_id", "index_case_id", "became_case_id", "authorization_id"}
UNIQUE_TEXTS = {("authorizations", "number"), ("test_results", "source_ref"), ("movements", "source_ref"),
                ("certificates", "number"), ("movements", "certificate_number")}
PROTECTED = {"pekanbaru_city"}


def copy_sql(table_name: str, k: int, days: int) -> str:
    """INSERT ... SELECT of the original rows of `table_name`, moved back k x `days` days."""
    table = schema.metadata.tables[table_name]
    columns, values = [], []
    for column in table.columns:
        name = column.name
        if (name == "id" and column.primary_key) or name in ID_REFERENCES:
            value = f"{name} + {k * ID_OFFSET}"
        elif isinstance(column.type, DateTime):
            value = f"{name} - INTERVAL '{k * days} days'"
        elif isinstance(column.type, Date):
            value = f"{name} - {k * days}"
        elif name in PERSON_KEYS:
            value = f"'h{k}' || substr({name}, 3)"
        elif (table_name, name) in UNIQUE_TEXTS:
            value = f"{name} || '-H{k}'"
        else:
            value = name
        columns.append(name)
        values.append(value)
    if table_name == "persons":
        original = "substr(person_key, 1, 1) <> 'h'"
    else:
        original = f"{'authorization_id' if table_name == 'authorization_test_types' else 'id'} < {ID_OFFSET}"
    return (f"INSERT INTO {table_name} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {table_name} WHERE {original}")


def extend(url: str, times: int, days: int = HISTORY_DAYS) -> None:
    if make_url(url).database in PROTECTED:
        raise SystemExit(f"refusing to change {make_url(url).database}: extend a copy")
    engine = get_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        if conn.execute(text(f"SELECT COUNT(*) FROM test_results WHERE id >= {ID_OFFSET}")).scalar_one():
            raise SystemExit("this database is extended already")
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        try:
            os.setpriority(os.PRIO_PROCESS, backend, 10)  # the machine is shared: yield to others
        except OSError:
            pass
        tables = [schema.metadata.tables[t] for t in TABLES]
        with _checks_after_load(conn, tables):
            for name in TABLES:
                for k in range(1, times):
                    t0 = time.perf_counter()
                    rows = conn.execute(text(copy_sql(name, k, days))).rowcount
                    print(f"{name} copy {k}: {rows:,} rows in {time.perf_counter() - t0:.0f} s", flush=True)
            print("indexes and foreign keys", flush=True)
        for name in TABLES:
            if "id" in schema.metadata.tables[name].c:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT MAX(id) FROM {name}))"))
        print("rollups", flush=True)
        rollups.refresh_all(conn)
        data_version.bump(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
        span = conn.execute(text("SELECT MIN(day), MAX(day), COUNT(*) FROM daily_area")).one()
    print(f"extended to {times}x the history ({span[0]} .. {span[1]}, {span[2]:,} daily_area rows) "
          f"in {time.perf_counter() - started:.0f} s")


def copy_database(source: str, url: str) -> None:
    target = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history3x", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a copy of the demo city (PostgreSQL)")
    parser.add_argument("--copy-from", default=None,
                        help="first create --database-url as a copy of this database (CREATE DATABASE ... "
                             "TEMPLATE: nobody may be connected to it meanwhile)")
    parser.add_argument("--times", type=int, default=3)
    args = parser.parse_args(argv)
    if args.copy_from:
        copy_database(args.copy_from, args.database_url)
    extend(args.database_url, args.times)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
