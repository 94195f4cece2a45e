"""Local accounts: argon2id password hashes in the `users` table, lockout after repeated failures.

    python -m casedb.users create USERNAME ROLE [--name "Display name"] [--email a@b] [--password-stdin]
    python -m casedb.users disable|enable USERNAME
    python -m casedb.users reset USERNAME [--password-stdin]     (new password; clears a lockout)
    python -m casedb.users role USERNAME ROLE
    python -m casedb.users unlock USERNAME                       (clears a lockout)
    python -m casedb.users list

Passwords are read with getpass (or one line from standard input with --password-stdin), never taken
as an argument, echoed or logged. `--database-url` picks the database (default: DATABASE_URL).

Demo accounts (one per role, password DEMO_PASSWORD) exist only on the embedded demo database; an
`is_demo` account found on any other database is refused at sign-in.

The users page (pages/users.py) calls the same functions with `by`, the signed-in operator: the audit
row then names the operator, an operator may neither disable nor demote their own account, and the
last active admin can be neither disabled nor given another role.
"""
from __future__ import annotations

import argparse
import getpass
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import DateTime, and_, bindparam, case, func, insert, null, or_, select, update
from sqlalchemy.engine import Engine

from casedb import audit, settings
from casedb.engine import get_engine
from casedb.errors import RefusedChange
from casedb.schema import ROLES, users
from casedb.wib import now_utc

MIN_PASSWORD_LENGTH = 10
MAX_DISPLAY_NAME = 120  # the column's width
DEMO_PASSWORD = "demo-pekanbaru"
# username, role, display name: one account per role, named as the city's offices call themselves.
DEMO_ACCOUNTS = (
    ("walikota", "mayor", "Demo: Kantor Wali Kota"),
    ("dinkes", "health", "Demo: Dinas Kesehatan"),
    ("humas", "press", "Demo: Humas / Diskominfo"),
    ("admin", "admin", "Demo: Operator sistem"),
    ("posko", "checkpoint", "Demo: Petugas posko"),
)
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,79}")
_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified against when the username is unknown, so that a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no such user: equal timing")


class UserError(RefusedChange):
    """A user operation that cannot be done (catalog keys `users.*`)."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    email: str | None = None
    is_demo: bool = False
    via_sso: bool = False
    sso_issuer: str | None = None
    sso_subject: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in was refused. `reason`: `bad_credentials` (unknown user or wrong password, not told
    apart), `locked` (until `locked_until`, naive UTC), `disabled`, or `demo_account` (an is_demo account
    on a database that is not the demo one)."""

    reason: str
    locked_until: datetime | None = None


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def unknown_account(name: str) -> str:
    """How the audit log names a sign-in attempt for an account that does not exist: its first three
    characters and a star for each of the rest (at most 20). Enough to see one name tried again and
    again; not a password typed into the wrong box, kept whole."""
    return "?" + name[:3] + "*" * min(max(len(name) - 3, 0), 20)


def _check_username(username: str) -> str:
    name = normalise_username(username)
    if not _USERNAME.fullmatch(name):
        raise UserError("users.bad_username", name)
    return name


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError("users.short_password", f"at least {MIN_PASSWORD_LENGTH} characters", n=MIN_PASSWORD_LENGTH)
    return password


def _is_demo_database(engine: Engine) -> bool:
    return settings.is_demo_url(engine.url.render_as_string(hide_password=False))


def create(engine: Engine, username: str, role: str, password: str | None, display_name: str = "",
           email: str | None = None, *, is_demo: bool = False, by: User | None = None) -> User:
    """Add an active account. `password` None makes a single-sign-on-only account."""
    name = _check_username(username)
    display_name = (display_name or "").strip()
    if len(display_name) > MAX_DISPLAY_NAME:
        raise UserError("users.long_name", display_name, n=MAX_DISPLAY_NAME)
    if role not in ROLES:
        raise UserError("users.bad_role", role)
    if is_demo and not _is_demo_database(engine):
        raise UserError("users.demo_elsewhere", "demo accounts exist only on the embedded demo database")
    password_hash = None if password is None else _hasher.hash(_check_password(password))
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == name)).first():
            raise UserError("users.exists", name)
        conn.execute(insert(users).values(
            username=name, display_name=display_name or name, email=email, role=role,
            password_hash=password_hash, is_active=True, is_demo=is_demo, failed_attempts=0,
            created_at=now_utc(),
        ))
        _audit(conn, by, name, role, {"op": "create", "role": role, "demo": is_demo})
    return User(name, display_name or name, role, email, is_demo)


def _audit(conn, by: User | None, name: str, role: str | None, detail: dict) -> None:
    """The user_change row: by the operator when known (the page), else under the account's own name
    (the command line, whose operator the database cannot tell)."""
    actor, actor_role = (by.username, by.role) if by else (name, role)
    audit.record(conn, actor, actor_role, "user_change", "success", {"user": name, **detail})


def _set(engine: Engine, username: str, op: str, by: User | None = None, detail: dict | None = None,
         **values) -> None:
    """Apply `values` to one account. Made by an operator in the dashboard (`by`), a change that takes
    an active admin away (disabling one, or another role) is refused for the operator's own account
    and when no other active admin would be left. The command line is not held back: it is the
    operator at the database, the way back in when no admin can sign in."""
    name = normalise_username(username)
    with engine.begin() as conn:
        if by is not None:
            # The admins' rows are locked first (PostgreSQL; SQLite holds its write lock from the
            # update on), so that two operators demoting each other at once cannot both pass the check.
            conn.execute(select(users.c.id).where(users.c.role == "admin").order_by(users.c.id)
                         .with_for_update()).all()
        row = conn.execute(select(users.c.role, users.c.is_active).where(users.c.username == name)).first()
        if row is None:
            raise UserError("users.unknown", name)
        removes_admin = by is not None and row.role == "admin" and row.is_active and (
            values.get("is_active", True) is False or values.get("role", "admin") != "admin")
        if removes_admin and by.username == name:
            raise UserError("users.not_yourself", name)
        conn.execute(update(users).where(users.c.username == name).values(**values))
        if removes_admin and not _active_admins(engine, conn):
            raise UserError("users.last_admin", name)  # rolls the update back
        _audit(conn, by, name, None, {"op": op, **(detail or {})})


def _active_admins(engine: Engine, conn) -> int:
    """Admin accounts that can sign in: active, and not a demo account outside the demo database."""
    query = select(func.count()).select_from(users).where(users.c.role == "admin", users.c.is_active.is_(True))
    if not _is_demo_database(engine):
        query = query.where(users.c.is_demo.is_(False))
    return conn.execute(query).scalar_one()


def disable(engine: Engine, username: str, by: User | None = None) -> None:
    """Also ends the account's open sessions (users.sessions_valid_after), as a reset and a role change do."""
    _set(engine, username, "disable", by, is_active=False, sessions_valid_after=now_utc())


def enable(engine: Engine, username: str, by: User | None = None) -> None:
    _set(engine, username, "enable", by, is_active=True, failed_attempts=0, locked_until=None)


def change_role(engine: Engine, username: str, role: str, by: User | None = None) -> None:
    if role not in ROLES:
        raise UserError("users.bad_role", role)
    _set(engine, username, "role", by, {"role": role}, role=role, sessions_valid_after=now_utc())


def unlock(engine: Engine, username: str, by: User | None = None) -> None:
    """Clears failed attempts and any lockout, keeping the password."""
    _set(engine, username, "unlock", by, failed_attempts=0, locked_until=None)


def reset_password(engine: Engine, username: str, password: str, by: User | None = None) -> None:
    """A new password; also clears failed attempts and any lockout."""
    _set(engine, username, "reset", by, password_hash=_hasher.hash(_check_password(password)),
         failed_attempts=0, locked_until=None, sessions_valid_after=now_utc())


def list_users(engine: Engine) -> list[dict]:
    columns = (users.c.username, users.c.display_name, users.c.role, users.c.email, users.c.is_active,
               users.c.is_demo, users.c.failed_attempts, users.c.locked_until, users.c.last_login_at)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(*columns).order_by(users.c.username))]


def authenticate(engine: Engine, username: str, password: str) -> User | Refusal:
    """Check a password. Every outcome is written to the audit log (never the password).

    After LOGIN_MAX_ATTEMPTS failures in a row the account refuses every password, even the right
    one, for LOGIN_LOCKOUT_MINUTES; a success resets the count. Failures are counted by the
    database itself (`failed_attempts + 1`, the lockout decided from the value the update returns),
    so that parallel attempts each count. The password is checked outside any transaction, and
    every refusal before it costs one argon2 verification, so that an unknown name, a locked
    account and a wrong password take the same time."""
    name = normalise_username(username)
    now = now_utc()
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == name)).first()
    refusal = _refusal(engine, row, password, now)
    with engine.begin() as conn:
        if refusal is None:
            # Not if a parallel attempt locked the account since it was read.
            done = conn.execute(update(users).where(users.c.id == row.id, _not_locked(now))
                                .values(failed_attempts=0, locked_until=None, last_login_at=now)
                                .returning(users.c.id)).first()
            if done is not None:
                audit.record(conn, name, row.role, "login", "success", {"method": "password"})
                return User(row.username, row.display_name, row.role, row.email, row.is_demo)
            refusal = Refusal("locked")
        if refusal.reason == "bad_credentials" and row is not None:
            refusal = _count_failure(conn, row, now)
        audit.record(conn, name if row is not None else unknown_account(name), row.role if row else None,
                     "login", "failure", {"method": "password", "reason": refusal.reason})
    return refusal


def _not_locked(now: datetime):
    return or_(users.c.locked_until.is_(None), users.c.locked_until <= now)


def _refusal(engine: Engine, row, password: str, now: datetime) -> Refusal | None:
    if row is None or row.password_hash is None:
        _verify(_DUMMY_HASH, password)
        return Refusal("bad_credentials")
    matches = _verify(row.password_hash, password)  # also when locked: a locked account answers as slowly
    if row.locked_until is not None and row.locked_until > now:
        return Refusal("locked", row.locked_until)
    if not matches:
        return Refusal("bad_credentials")
    if row.is_demo and not _is_demo_database(engine):
        return Refusal("demo_account")
    if not row.is_active:
        return Refusal("disabled")
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _count_failure(conn, row, now: datetime) -> Refusal:
    """One more failure, counted in one UPDATE (the row is locked by it until the transaction
    ends, on PostgreSQL as on SQLite): a lockout that has run out starts the count afresh; the
    count reaching LOGIN_MAX_ATTEMPTS locks the account, a lockout already running is kept."""
    expired = and_(users.c.locked_until.is_not(None), users.c.locked_until <= now)
    attempts = case((expired, 1), else_=users.c.failed_attempts + 1)
    until = bindparam("until", now + timedelta(minutes=settings.get("LOGIN_LOCKOUT_MINUTES")), type_=DateTime)
    locked_until = case(
        (and_(users.c.locked_until.is_not(None), users.c.locked_until > now), users.c.locked_until),
        (attempts >= settings.get("LOGIN_MAX_ATTEMPTS"), until),
        else_=null(),
    )
    counted = conn.execute(update(users).where(users.c.id == row.id)
                           .values(failed_attempts=attempts, locked_until=locked_until)
                           .returning(users.c.failed_attempts, users.c.locked_until)).one()
    if counted.locked_until is not None:
        return Refusal("locked", counted.locked_until)
    return Refusal("bad_credentials")


def ensure_demo_accounts(engine: Engine) -> int:
    """Create the demo accounts that are missing, on the embedded demo database only (elsewhere: 0).
    Returns how many were created."""
    if not _is_demo_database(engine):
        return 0
    with engine.connect() as conn:
        present = set(conn.execute(select(users.c.username)).scalars())
    created = 0
    for username, role, display_name in DEMO_ACCOUNTS:
        if username not in present:
            create(engine, username, role, DEMO_PASSWORD, display_name, is_demo=True)
            created += 1
    return created


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise UserError("users.password_mismatch")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m casedb.users", description="Manage dashboard accounts.")
    parser.add_argument("--database-url", default=None, help="default: the DATABASE_URL setting")
    commands = parser.add_subparsers(dest="command", required=True)
    create_cmd = commands.add_parser("create", help="add an account")
    create_cmd.add_argument("username")
    create_cmd.add_argument("role", choices=ROLES)
    create_cmd.add_argument("--name", default="", help="display name")
    create_cmd.add_argument("--email", default=None)
    create_cmd.add_argument("--sso-only", action="store_true", help="no password: single sign-on only")
    create_cmd.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    for op in ("disable", "enable", "unlock"):
        commands.add_parser(op, help=f"{op} an account").add_argument("username")
    role_cmd = commands.add_parser("role", help="give an account another role")
    role_cmd.add_argument("username")
    role_cmd.add_argument("role", choices=ROLES)
    reset_cmd = commands.add_parser("reset", help="set a new password and clear a lockout")
    reset_cmd.add_argument("username")
    reset_cmd.add_argument("--password-stdin", action="store_true")
    commands.add_parser("list", help="list accounts")
    args = parser.parse_args(argv)

    engine = get_engine(args.database_url)
    try:
        if args.command == "create":
            password = None if args.sso_only else _read_password(args.password_stdin)
            create(engine, args.username, args.role, password, args.name, args.email)
        elif args.command == "disable":
            disable(engine, args.username)
        elif args.command == "enable":
            enable(engine, args.username)
        elif args.command == "unlock":
            unlock(engine, args.username)
        elif args.command == "role":
            change_role(engine, args.username, args.role)
        elif args.command == "reset":
            reset_password(engine, args.username, _read_password(args.password_stdin))
        else:
            for user in list_users(engine):
                state = "active" if user["is_active"] else "disabled"
                if user["locked_until"] is not None and user["locked_until"] > now_utc():
                    state += f", locked until {user['locked_until']:%Y-%m-%d %H:%M} UTC"
                demo = " (demo)" if user["is_demo"] else ""
                print(f"{user['username']}\t{user['role']}\t{state}{demo}\t{user['display_name']}")
            return 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{args.command}: {normalise_username(args.username)} done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
