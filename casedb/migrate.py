"""Bring a database to the current schema with Alembic: `python -m casedb.migrate [DATABASE_URL]`.

PostgreSQL databases are upgraded in place; a new SQLite file is created at the head revision.
"""
from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from casedb.engine import get_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def main(argv: list[str]) -> int:
    engine = get_engine(argv[0] if argv else None)
    upgrade(engine)
    print(f"schema at head on {engine.url.render_as_string(hide_password=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
