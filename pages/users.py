"""Accounts for operators: every account (never its password hash), a new one, and for one account:
disable or enable, unlock, another role, a new password. The same functions as `python -m
casedb.users`; each change is audited under the operator's name. The users table is not readable by
the read-only role, so this page reads it, like sign-in does, through DATABASE_URL."""
import pandas as pd
import streamlit as st

from casedb import users
from casedb.engine import get_engine
from casedb.schema import ROLES
from casedb.wib import now_utc
from ui import auth, changes
from ui.i18n import format_moment_wib, t
from ui.page import begin

NEW_FIELDS = ("user_new_username", "user_new_name", "user_new_password", "user_new_password_again")
RESET_FIELDS = ("user_reset_password", "user_reset_password_again")


def account_label(account: dict) -> str:
    role = t(f"role.{account['role']}")
    return f"{account['username']} – {account['display_name']} ({role})"


def create(username: str, name: str, role: str, password: str, again: str, by: users.User) -> None:
    if password != again:
        raise users.UserError("users.password_mismatch")
    users.create(get_engine(), username, role, password, name, by=by)


def reset(username: str, password: str, again: str, by: users.User) -> None:
    if password != again:
        raise users.UserError("users.password_mismatch")
    users.reset_password(get_engine(), username, password, by=by)


begin("users")
st.title(t("page.users"))
st.caption(t("users.intro"))
operator = auth.current_user()
changes.show_done()

accounts = users.list_users(get_engine())
now = now_utc()
st.dataframe(pd.DataFrame({
    t("users.column.username"): [a["username"] for a in accounts],
    t("users.column.display_name"): [a["display_name"] for a in accounts],
    t("users.column.role"): [t(f"role.{a['role']}") for a in accounts],
    t("users.column.active"): [bool(a["is_active"]) for a in accounts],
    t("users.column.demo"): [bool(a["is_demo"]) for a in accounts],
    t("users.column.locked_until"): [format_moment_wib(a["locked_until"]) if a["locked_until"] and a["locked_until"] > now
                                     else "" for a in accounts],
    t("users.column.last_login"): [format_moment_wib(a["last_login_at"]) for a in accounts],
}), hide_index=True, width="stretch")

new_tab, change_tab = st.tabs([t("users.new"), t("users.change")])
with new_tab, st.form("user_new"):
    left, right = st.columns(2)
    username = left.text_input(t("users.column.username"), max_chars=80, key="user_new_username",
                               help=t("users.username_help"))
    name = right.text_input(t("users.column.display_name"), max_chars=users.MAX_DISPLAY_NAME, key="user_new_name")
    role = left.selectbox(t("users.column.role"), ROLES, format_func=lambda r: t(f"role.{r}"), key="user_new_role")
    left, right = st.columns(2)
    password = left.text_input(t("users.password"), type="password", key="user_new_password",
                               help=t("users.password_help", n=users.MIN_PASSWORD_LENGTH))
    again = right.text_input(t("users.password_again"), type="password", key="user_new_password_again")
    if st.form_submit_button(t("users.create"), type="primary", icon=":material/person_add:"):
        changes.apply(lambda: create(username, name, role, password, again, operator),
                      t("users.created", username=users.normalise_username(username)), clear=NEW_FIELDS)

with change_tab:
    by_name = {a["username"]: a for a in accounts}
    chosen = st.selectbox(t("users.account"), list(by_name), key="user_chosen", index=None,
                          placeholder=t("users.account_placeholder"),
                          format_func=lambda u: account_label(by_name[u]))
    if chosen is not None:
        account = by_name[chosen]
        done = t("users.changed", username=chosen)
        left, middle, right = st.columns(3)
        if account["is_active"]:
            if left.button(t("users.disable"), icon=":material/person_off:", key="user_disable"):
                changes.apply(lambda: users.disable(get_engine(), chosen, by=operator), done)
        elif left.button(t("users.enable"), icon=":material/person_check:", key="user_enable"):
            changes.apply(lambda: users.enable(get_engine(), chosen, by=operator), done)
        locked = bool(account["failed_attempts"]) or (account["locked_until"] is not None
                                                      and account["locked_until"] > now)
        if middle.button(t("users.unlock"), icon=":material/lock_open:", key="user_unlock", disabled=not locked):
            changes.apply(lambda: users.unlock(get_engine(), chosen, by=operator), done)

        with st.form("user_role"):
            new_role = st.selectbox(t("users.new_role"), ROLES, index=ROLES.index(account["role"]),
                                    format_func=lambda r: t(f"role.{r}"), key=f"user_role_{chosen}")
            if st.form_submit_button(t("users.change_role"), icon=":material/badge:"):
                changes.apply(lambda: users.change_role(get_engine(), chosen, new_role, by=operator), done)
        with st.form("user_reset"):
            left, right = st.columns(2)
            new_password = left.text_input(t("users.new_password"), type="password", key="user_reset_password",
                                           help=t("users.password_help", n=users.MIN_PASSWORD_LENGTH))
            new_again = right.text_input(t("users.password_again"), type="password", key="user_reset_password_again")
            if st.form_submit_button(t("users.reset"), icon=":material/password:"):
                changes.apply(lambda: reset(chosen, new_password, new_again, operator), done, clear=RESET_FIELDS)
