"""The audit log: who did what, when, and whether it worked.

Recorded: sign-ins (success and failure), sign-outs, refused page requests, exports, certificate
verifications, authorisation changes, uploads, user changes, facility changes and published press
releases. A row never holds a
password, a NIK or a person_key: callers pass what identifies the act (a file name, a certificate
number, a reason).

Audit writes do not bump the data version: the log is not case data, and bumping would make every
open page re-query on every sign-in. The audit page reads it through a named query that is never
cached (`-- cache: none`).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from casedb.schema import audit_log
from casedb.wib import now_utc

ACTIONS = (
    "login",
    "logout",
    "page_refused",
    "export",
    "certificate_verify",
    "authorization_change",
    "upload",
    "user_change",
    "facility_change",
    "case_outcome",
    "release_publish",
)
OUTCOMES = ("success", "failure", "refused")


def record(conn_or_engine: Connection | Engine, username: str | None, role: str | None, action: str,
           outcome: str, detail: str | dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one row, of the moment `at` (naive UTC; default now). A dict `detail` is stored as
    JSON. On an Engine the row is written in its own transaction; on a Connection, inside the
    caller's (so that it commits or rolls back with the act)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    row = {
        "at": at or now_utc(),
        "username": (username or None) and username[:80],
        "role": role,
        "action": action,
        "outcome": outcome,
        "detail": detail,
    }
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.begin() as conn:
            conn.execute(insert(audit_log), row)
    else:
        conn_or_engine.execute(insert(audit_log), row)

