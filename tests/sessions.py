"""Signed-in AppTest sessions: what a successful sign-in leaves in the session (ui.auth), with the
account made in the database DATABASE_URL points at, because each run checks it is still active."""
from __future__ import annotations

import os
import time

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from streamlit.testing.v1 import AppTest

from casedb import users
from casedb.engine import DatabaseUnavailable, get_engine
from casedb.schema import users as users_table
from ui import auth

PASSWORD = "apptest-password"


def sign_in(at: AppTest, role: str, idle_seconds: float = 0) -> None:
    username = f"t-{role}"
    _ensure_account(username, role)
    at.session_state[auth.USER_KEY] = {"username": username, "display_name": f"Test {role}", "role": role,
                                       "email": None, "is_demo": False, "via_sso": False}
    at.session_state[auth.ROLE_KEY] = role
    at.session_state[auth.LAST_SEEN_KEY] = time.time() - idle_seconds


def _ensure_account(username: str, role: str) -> None:
    # Tests of unreachable or empty databases never get as far as the sign-in check: nothing to make.
    try:
        engine = get_engine(os.environ.get("DATABASE_URL"))
        with engine.connect() as conn:
            present = conn.execute(select(users_table.c.id).where(users_table.c.username == username)).first()
        if present is None:
            users.create(engine, username, role, PASSWORD, f"Test {role}")
    except (DBAPIError, DatabaseUnavailable):
        pass
