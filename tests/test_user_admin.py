"""Account management by operators: the casedb.users functions the users page and the CLI share
(role change, unlock, the operator's own account and the last admin protected), their audit rows,
and the page itself."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from casedb import users
from casedb.schema import audit_log
from casedb.schema import users as users_table
from casedb.wib import now_utc
from tests.conftest import database_in_use
from tests.sessions import PASSWORD as SESSION_PASSWORD, sign_in
from tests.test_access import HTML_ATTACKS, SQL_ATTACKS
from tests.test_facilities import click
from ui import i18n

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"
ADMIN = users.User("op.satu", "Operator Satu", "admin")


def user_changes(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [(r.username, r.role, json.loads(r.detail)) for r in conn.execute(
            select(audit_log).where(audit_log.c.action == "user_change").order_by(audit_log.c.id))]


def account(engine, username: str):
    with engine.connect() as conn:
        return conn.execute(select(users_table).where(users_table.c.username == username)).one()


@pytest.fixture
def accounts(empty_db):
    users.create(empty_db, ADMIN.username, "admin", PASSWORD, ADMIN.display_name)
    users.create(empty_db, "analis", "health", PASSWORD, "Analis")
    return empty_db


def test_changes_by_an_operator_are_audited_under_the_operator(accounts):
    users.change_role(accounts, "analis", "press", by=ADMIN)
    users.disable(accounts, "analis", by=ADMIN)
    users.enable(accounts, "analis", by=ADMIN)
    users.reset_password(accounts, "analis", "another long password", by=ADMIN)
    users.unlock(accounts, "analis", by=ADMIN)
    users.create(accounts, "humas2", "press", PASSWORD, by=ADMIN)
    assert account(accounts, "analis").role == "press"
    assert user_changes(accounts)[2:] == [
        ("op.satu", "admin", {"user": "analis", "op": "role", "role": "press"}),
        ("op.satu", "admin", {"user": "analis", "op": "disable"}),
        ("op.satu", "admin", {"user": "analis", "op": "enable"}),
        ("op.satu", "admin", {"user": "analis", "op": "reset"}),
        ("op.satu", "admin", {"user": "analis", "op": "unlock"}),
        ("op.satu", "admin", {"user": "humas2", "op": "create", "role": "press", "demo": False}),
    ]
    assert all(PASSWORD not in json.dumps(d) and "another long" not in json.dumps(d)
               for *_, d in user_changes(accounts))


def test_unlock_clears_a_lockout_and_keeps_the_password(accounts, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_ATTEMPTS", "2")
    users.authenticate(accounts, "analis", "wrong")
    assert users.authenticate(accounts, "analis", "wrong again").reason == "locked"
    users.unlock(accounts, "analis", by=ADMIN)
    row = account(accounts, "analis")
    assert (row.failed_attempts, row.locked_until) == (0, None)
    assert users.authenticate(accounts, "analis", PASSWORD).role == "health"


def test_an_operator_cannot_disable_or_demote_themselves(accounts):
    users.create(accounts, "op.dua", "admin", PASSWORD)
    for change in (lambda: users.disable(accounts, "OP.SATU", by=ADMIN),
                   lambda: users.change_role(accounts, "op.satu", "health", by=ADMIN)):
        with pytest.raises(users.UserError) as refused:
            change()
        assert refused.value.key == "users.not_yourself"
    row = account(accounts, "op.satu")
    assert (row.role, row.is_active) == ("admin", True)
    # Other changes to one's own account are fine.
    users.reset_password(accounts, "op.satu", "my own new password", by=ADMIN)


def test_the_last_active_admin_stays(accounts):
    users.create(accounts, "op.dua", "admin", PASSWORD)
    users.disable(accounts, "op.dua", by=ADMIN)  # another admin is left: op.satu
    other = users.User("op.dua", "Operator Dua", "admin")  # a session opened before the disabling
    for change in (lambda: users.disable(accounts, "op.satu", by=other),
                   lambda: users.change_role(accounts, "op.satu", "mayor", by=other)):
        with pytest.raises(users.UserError) as refused:
            change()
        assert refused.value.key == "users.last_admin"
    row = account(accounts, "op.satu")
    assert (row.role, row.is_active) == ("admin", True)
    # Enabled again, op.dua is another active admin: now op.satu may go.
    users.enable(accounts, "op.dua", by=ADMIN)
    users.change_role(accounts, "op.satu", "health", by=other)
    assert account(accounts, "op.satu").role == "health"
    # A refused change wrote no audit row; the ones made did.
    assert [(u, d["user"], d["op"]) for u, _, d in user_changes(accounts)][3:] == [
        ("op.satu", "op.dua", "disable"), ("op.satu", "op.dua", "enable"), ("op.dua", "op.satu", "role")]


def test_disabling_a_user_who_is_not_an_admin_needs_no_other_admin(empty_db):
    users.create(empty_db, "posko1", "checkpoint", PASSWORD)
    users.disable(empty_db, "posko1", by=ADMIN)
    assert account(empty_db, "posko1").is_active is False


def test_the_cli_changes_roles_and_unlocks(accounts):
    url = accounts.url.render_as_string(hide_password=False)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "casedb.users", "--database-url", url, *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    with accounts.begin() as conn:
        conn.execute(update(users_table).values(failed_attempts=5, locked_until=now_utc() + timedelta(minutes=9)))
    assert cli("role", "analis", "mayor").returncode == 0
    assert cli("unlock", "analis").returncode == 0
    assert cli("role", "analis", "superuser").returncode == 2  # not a role: argparse refuses
    row = account(accounts, "analis")
    assert (row.role, row.failed_attempts, row.locked_until) == ("mayor", 0, None)
    assert "analis\tmayor\tactive" in cli("list").stdout


# ------------------------------------------------------------------------------------ the page

def t(key: str, **kwargs) -> str:
    return i18n.t(key, lang="id", **kwargs)


@pytest.fixture
def page_db(backend, tmp_path):
    def fill(engine):
        users.create(engine, "analis", "health", PASSWORD, "Analis")
        users.create(engine, "humas", "press", PASSWORD, HTML_ATTACKS[0])

    with database_in_use(backend, tmp_path, fill) as engine:
        yield engine


def open_page(role: str = "admin") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/users.py"), default_timeout=60)
    at.session_state["lang"] = "id"
    sign_in(at, role)
    return at.run()


def test_the_list_shows_accounts_and_never_a_hash(page_db, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_ATTEMPTS", "1")
    users.authenticate(page_db, "analis", "wrong")  # locked for LOGIN_LOCKOUT_MINUTES
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value.set_index(t("users.column.username"))
    assert list(table.index) == ["analis", "humas", "t-admin"]
    assert table.loc["humas", t("users.column.display_name")] == HTML_ATTACKS[0]  # table data: drawn as text
    assert table.loc["analis", t("users.column.role")] == t("role.health")
    assert table.loc["analis", t("users.column.locked_until")].endswith("WIB")
    assert table.loc["humas", t("users.column.locked_until")] == ""
    assert table.loc["t-admin", t("users.column.last_login")] == ""
    assert not any("$argon2" in str(v) for v in table.to_numpy().ravel())


def test_an_operator_creates_an_account_through_the_form(page_db):
    at = open_page()
    at.text_input(key="user_new_username").input("Kadis.Baru")
    at.text_input(key="user_new_name").input("Kepala Dinas")
    at.selectbox(key="user_new_role").set_value("health")
    at.text_input(key="user_new_password").input(PASSWORD)
    at.text_input(key="user_new_password_again").input(PASSWORD + "x")
    click(at, t("users.create"))
    assert [e.value for e in at.error] == [t("users.password_mismatch")]
    at.text_input(key="user_new_password_again").input(PASSWORD)
    click(at, t("users.create"))
    assert not at.error and [s.value for s in at.success] == [i18n.t_md("users.created", lang="id", username="kadis.baru")]
    assert "kadis.baru" in set(at.dataframe[0].value[t("users.column.username")])
    assert users.authenticate(page_db, "kadis.baru", PASSWORD).role == "health"
    assert at.text_input(key="user_new_password").value in ("", None)
    assert user_changes(page_db)[-1] == ("t-admin", "admin", {"user": "kadis.baru", "op": "create",
                                                              "role": "health", "demo": False})


@pytest.mark.parametrize("attack", SQL_ATTACKS[:2] + HTML_ATTACKS[:2])
def test_attack_usernames_are_refused_with_the_message(page_db, attack):
    at = open_page()
    at.text_input(key="user_new_username").input(attack)
    at.text_input(key="user_new_password").input(PASSWORD)
    at.text_input(key="user_new_password_again").input(PASSWORD)
    click(at, t("users.create"))
    assert [e.value for e in at.error] == [t("users.bad_username")]
    assert len(at.dataframe[0].value) == 3


def test_an_operator_changes_an_account_but_not_their_own(page_db):
    at = open_page()
    at.selectbox(key="user_chosen").set_value("analis").run()
    click(at, t("users.disable"))
    assert [s.value for s in at.success] == [t("users.changed", username="analis")]
    assert account(page_db, "analis").is_active is False
    click(at, t("users.enable"))
    at.selectbox(key="user_role_analis").set_value("mayor")
    click(at, t("users.change_role"))
    assert account(page_db, "analis").role == "mayor"
    at.text_input(key="user_reset_password").input("a brand new password")
    at.text_input(key="user_reset_password_again").input("a brand new password")
    click(at, t("users.reset"))
    assert users.authenticate(page_db, "analis", "a brand new password").role == "mayor"
    # Their own account: refused with the reason, nothing changed. t-admin is the only admin too.
    at.selectbox(key="user_chosen").set_value("t-admin").run()
    click(at, t("users.disable"))
    assert [e.value for e in at.error] == [t("users.not_yourself")]
    assert account(page_db, "t-admin").is_active is True
    assert [(u, d["op"]) for u, _, d in user_changes(page_db) if d["user"] == "analis"][1:] == [
        ("t-admin", "disable"), ("t-admin", "enable"), ("t-admin", "role"), ("t-admin", "reset")]
    assert users.authenticate(page_db, "t-admin", SESSION_PASSWORD).role == "admin"


@pytest.mark.parametrize("role", ("mayor", "health", "press", "checkpoint"))
def test_the_page_is_for_operators_only(page_db, role):
    at = open_page(role)
    assert [e.value for e in at.error] == [t("page.not_allowed", role=t(f"role.{role}"))]
    assert not at.dataframe and not at.main.button
