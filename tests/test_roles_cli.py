"""`python -m casedb.roles` run by a database owner who may not create roles (as README's production
steps first tried it): a message naming what it needs, exit status 1, no traceback."""
from __future__ import annotations

import io
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from casedb.roles import main
from tests.conftest import _pg_admin, create_database, drop_database


def test_an_owner_without_createrole_is_told_what_it_needs(tmp_path, monkeypatch, capsys):
    owner = f"pku_owner_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    url = create_database("postgresql", tmp_path)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
            conn.execute(text(f'ALTER DATABASE "{make_url(url).database}" OWNER TO "{owner}"'))
        as_owner = make_url(url).set(username=owner).render_as_string(hide_password=False)
        monkeypatch.setattr("sys.stdin", io.StringIO("reader-password\n"))
        assert main([as_owner, "--role", f"pku_reader_{uuid.uuid4().hex[:8]}", "--password-stdin"]) == 1
        out, err = capsys.readouterr()
        assert out == "" and "Traceback" not in err
        assert err.startswith("error: ") and "permission denied" in err and "CREATEROLE" in err
    finally:
        drop_database(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()
