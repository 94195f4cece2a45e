"""Build the demo city from the shell:
`python -m casedb.demo --scale small|demo|city --seed N [--database-url URL] [--end ISO]`, or
`python -m casedb.demo --if-absent` to build the embedded demo database only when it is missing
(what `make run` does; nothing happens when DATABASE_URL points elsewhere)."""
from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterator

from sqlalchemy import func, select
from tqdm import tqdm

from casedb import schema, settings
from casedb.demo import DEFAULT_SEED, SCALES, build, default_database
from casedb.engine import DatabaseUnavailable, create_database_if_missing, get_engine
from casedb.migrate import upgrade


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m casedb.demo", description=__doc__)
    parser.add_argument("--scale", choices=tuple(SCALES), default="demo")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--database-url", default=None, help="default: the configured DATABASE_URL")
    parser.add_argument("--end", type=datetime.fromisoformat, default=None,
                        help="naive-UTC moment the history ends at, e.g. 2026-11-27T09:30 (default: now)")
    parser.add_argument("--if-absent", action="store_true",
                        help="build the embedded demo database (at the default scale) only if it is missing")
    args = parser.parse_args(argv)

    if args.if_absent:
        return _build_default_if_absent(args.scale)
    try:
        url = args.database_url or settings.database_url()
        engine = get_engine(url)
        if create_database_if_missing(url):
            print(f"created the database {engine.url.database}")
        upgrade(engine)
        with engine.connect() as conn:
            filled = conn.execute(select(func.count()).select_from(schema.regions)).scalar_one() > 0
    except (settings.SettingsError, DatabaseUnavailable) as error:
        # The driver's first line says what failed; the rest is SQLAlchemy's pointer to its docs.
        print(f"cannot build the demo city: {str(error).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    if filled:  # the city's regions are its first rows: building again would collide with them
        print(f"cannot build the demo city: the database {engine.url.database} already holds data; "
              "build it into a new or empty database", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with _progress_bar() as progress:
        counts = build(engine, args.scale, args.seed, args.end, progress)
    elapsed = time.perf_counter() - started
    width = max(len(t) for t in counts)
    for table, count in counts.items():
        print(f"{table:<{width}}  {count:>12,}")
    print(f"{args.scale} city built in {elapsed:.1f} s on {engine.url.render_as_string(hide_password=True)}")
    return 0


@contextmanager
def _progress_bar() -> Iterator[Callable[[float, str], None]]:
    with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {elapsed}") as bar:
        def progress(fraction: float, message: str) -> None:
            bar.set_description(message)
            bar.update(round(fraction * 100) - bar.n)

        yield progress


def _build_default_if_absent(scale: str) -> int:
    try:
        url = settings.database_url()
    except settings.SettingsError as error:
        print(f"cannot read the settings: {error}", file=sys.stderr)
        return 2
    if not settings.is_demo_url(url):
        print("DATABASE_URL names another database: no demo city to build")
        return 0
    if default_database.is_built():
        print(f"demo database ready at {settings.DEMO_DATABASE_PATH}")
        return 0
    started = time.perf_counter()
    with _progress_bar() as progress:
        default_database.ensure(progress, scale)
    print(f"demo database built in {time.perf_counter() - started:.1f} s at {settings.DEMO_DATABASE_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
