"""`python -m casedb.demo` from the shell: a PostgreSQL database that does not exist yet is created,
and a server it cannot reach, a URL it cannot use or a database that already holds a city ends in
one line, not a driver's traceback."""
from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from casedb.demo.__main__ import main
from casedb.engine import get_engine
from tests.conftest import PG_ADMIN_URL, drop_database


def test_a_missing_postgresql_database_is_created_and_built_and_not_built_twice(capsys):
    url = make_url(PG_ADMIN_URL).set(database=f"pku_test_{uuid.uuid4().hex[:12]}").render_as_string(hide_password=False)
    try:
        assert main(["--scale", "small", "--database-url", url]) == 0
        assert f"created the database {make_url(url).database}" in capsys.readouterr().out
        with get_engine(url).connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM cases")).scalar_one() == 1_000
        # Again into the same database: refused in one line, the city as it was.
        assert main(["--scale", "small", "--database-url", url]) == 2
        err = capsys.readouterr().err
        assert "already holds data" in err and "Traceback" not in err
        with get_engine(url).connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM cases")).scalar_one() == 1_000
    finally:
        drop_database(url)


def test_an_unreachable_server_is_one_line_and_exit_status_2(capsys):
    # Port 9 (discard) has no PostgreSQL behind it on any machine that runs the tests.
    assert main(["--scale", "small", "--database-url", "postgresql://postgres@127.0.0.1:9/nothing"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cannot build the demo city: db.unreachable")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_unusable_url_is_one_line_and_exit_status_2(capsys):
    assert main(["--scale", "small", "--database-url", "nosuchdriver://somewhere/db"]) == 2
    assert capsys.readouterr().err.startswith("cannot build the demo city: db.bad_url")
