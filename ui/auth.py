"""Who is signed in: local accounts (casedb.users), single sign-on through OpenID Connect, session
expiry after inactivity, sign-out.

Every page's guard calls `require(roles)`: it shows the sign-in form to a visitor, refuses a role
the page is not for, and ends a session idle for longer than SESSION_IDLE_MINUTES.

Single sign-on is offered when `.streamlit/secrets.toml` has an `[auth]` section for Streamlit's
`st.login` (`redirect_uri`, `cookie_secret`, `client_id`, `client_secret`, `server_metadata_url`,
and `expose_tokens = ["id"]`). The ID token is validated again here (signature against the
provider's JWKS, issuer, audience, expiry) and its claims give the role: an account in `users` with
that identity (issuer, subject), or else with that verified e-mail (then linked to the identity),
wins (disabled there = refused), else SSO_ROLES rules (groups claim, then verified e-mail domain).
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections import deque
from datetime import datetime, timezone
from dataclasses import asdict, replace
from functools import lru_cache
from typing import Any, Iterable

import streamlit as st
from sqlalchemy import func, select, update

from casedb import audit, settings, users
from casedb.engine import UNAVAILABLE_ERRORS, get_engine
from casedb.schema import users as users_table
from casedb.wib import now_utc
from ui.i18n import format_time_wib, t

USER_KEY = "auth_user"
LAST_SEEN_KEY = "auth_last_seen"
NOTICE_KEY = "auth_notice"
SSO_REFUSED_KEY = "auth_sso_refused"
SESSION_STARTED_KEY = "auth_started"
AUTOMATIC_RERUN_KEY = "auth_automatic_rerun"
ROLE_KEY = "role"  # kept beside the user for code that only needs the role (ui.live, ui.page)
HTTP_TIMEOUT_SECONDS = 5
TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
PENDING_AUDIT_ROWS = 10_000  # a day of sign-ins, exports and verifications with the database away
_LOG = logging.getLogger(__name__)


class TokenRefused(ValueError):
    """An ID token that does not hold: bad signature, wrong issuer or audience, expired."""


# ------------------------------------------------------------------------------- session state

def current_user() -> users.User | None:
    """The signed-in user, or None. Ends the session (with a notice) when it was idle too long,
    has lived SESSION_MAX_HOURS, or its account was disabled, reset or given another role since.

    Only the reader's own actions renew the idle timer: a rerun that the data-version refresh
    started (`mark_automatic_rerun`) checks the session without renewing it."""
    automatic = bool(st.session_state.pop(AUTOMATIC_RERUN_KEY, False))
    stored = st.session_state.get(USER_KEY)
    if stored is None:
        stored = _sso_session()
        if stored is None:
            return None
    now = time.time()
    if now - st.session_state.get(LAST_SEEN_KEY, 0.0) > settings.get("SESSION_IDLE_MINUTES") * 60:
        _end_session("auth.expired")
        return None
    started = st.session_state.setdefault(SESSION_STARTED_KEY, now)
    if now - started > settings.get("SESSION_MAX_HOURS") * 3600:
        _end_session("auth.session_lifetime")
        return None
    user = _still_active(users.User(**stored), started)
    if user is None:
        _end_session("auth.account_changed")
        return None
    if not automatic:
        st.session_state[LAST_SEEN_KEY] = now
    st.session_state[ROLE_KEY] = user.role
    return user


def mark_automatic_rerun() -> None:
    """Say that the coming rerun is not the reader's action (ui.live's refresh), so that it does
    not renew the idle timer."""
    st.session_state[AUTOMATIC_RERUN_KEY] = True


def idle_expired() -> bool:
    """A signed-in session idle for longer than SESSION_IDLE_MINUTES (ended at its next run)."""
    if st.session_state.get(USER_KEY) is None:
        return False
    idle = time.time() - st.session_state.get(LAST_SEEN_KEY, 0.0)
    return idle > settings.get("SESSION_IDLE_MINUTES") * 60


_ACCOUNT_COLUMNS = (users_table.c.username, users_table.c.role, users_table.c.is_active, users_table.c.is_demo,
                    users_table.c.sso_issuer, users_table.c.sso_subject, users_table.c.sessions_valid_after)


def _still_active(user: users.User, started: float) -> users.User | None:
    """The account as it is now: disabling it, resetting its password or changing its role ends
    sessions started before (users.sessions_valid_after), at the next run. A single sign-on session
    is checked against the account linked to its identity (or holding its verified e-mail); one
    given its role by SSO_ROLES alone has no account to check. While the database is away the
    session stands (pages show their last good figures meanwhile)."""
    try:
        with get_engine().connect() as conn:
            row = None
            if user.via_sso:
                if user.sso_issuer and user.sso_subject:
                    row = conn.execute(select(*_ACCOUNT_COLUMNS).where(
                        users_table.c.sso_issuer == user.sso_issuer,
                        users_table.c.sso_subject == user.sso_subject)).first()
                if row is None and user.email:
                    row = conn.execute(select(*_ACCOUNT_COLUMNS).where(
                        func.lower(users_table.c.email) == user.email.lower())).first()
                if row is None:
                    return user
            else:
                row = conn.execute(select(*_ACCOUNT_COLUMNS).where(users_table.c.username == user.username)).first()
    except UNAVAILABLE_ERRORS:
        return user
    if row is None or not row.is_active or (user.via_sso and row.is_demo):
        return None
    if row.sessions_valid_after is not None and \
            datetime.fromtimestamp(started, timezone.utc).replace(tzinfo=None) < row.sessions_valid_after:
        return None
    if user.via_sso and row.username != user.username:
        return user  # an identity given its role by SSO_ROLES; the account with its e-mail decides at sign-in
    return replace(user, role=row.role)


def _start_session(user: users.User) -> None:
    st.session_state[USER_KEY] = asdict(user)
    st.session_state[ROLE_KEY] = user.role
    st.session_state[LAST_SEEN_KEY] = st.session_state[SESSION_STARTED_KEY] = time.time()
    st.session_state.pop(NOTICE_KEY, None)


def _end_session(notice: str | None = None) -> None:
    """End the session. One that came by single sign-on also ends the provider's identity in this
    browser (st.logout removes the login cookie, so that a reload does not sign in again unasked),
    and, until a fresh sign-in, this browser session refuses that identity."""
    stored = st.session_state.get(USER_KEY) or {}
    for key in (USER_KEY, ROLE_KEY, LAST_SEEN_KEY, SESSION_STARTED_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if stored.get("via_sso"):
        st.session_state[SSO_REFUSED_KEY] = True
        if sso_configured():
            st.logout()


def sign_out() -> None:
    user = st.session_state.get(USER_KEY)
    if user:
        _audit(user["username"], user["role"], "logout", "success")
    _end_session("auth.signed_out")


def record(action: str, outcome: str, detail: str | dict | None = None) -> None:
    """An audit row for the signed-in user (exports, verifications, uploads, ...)."""
    user = st.session_state.get(USER_KEY) or {}
    _audit(user.get("username"), user.get("role"), action, outcome, detail)


# Audit rows the database could not take while it was away, oldest first, with the moment of the
# act: written by the next audit call or page run that finds it back. Kept per database URL, so that
# a row is only ever written to the database of the act (tests run many databases in one process).
_PENDING_AUDIT: dict[str, deque[dict]] = {}
_FLUSHING = threading.Lock()


def _audit(username, role, action: str, outcome: str, detail=None) -> None:
    """audit.record through DATABASE_URL. While the database is away the row waits in this process
    rather than the page failing (see flush_audit)."""
    waiting = _PENDING_AUDIT.setdefault(settings.database_url(), deque(maxlen=PENDING_AUDIT_ROWS))
    if len(waiting) == waiting.maxlen:
        _LOG.error("audit row lost, %d rows already wait for the database", waiting.maxlen)
    waiting.append(dict(username=username, role=role, action=action, outcome=outcome, detail=detail, at=now_utc()))
    flush_audit()


def flush_audit() -> None:
    """Write the audit rows waiting for the database, oldest first, until one fails. A run that finds
    another session's flush under way leaves its row to that one, which looks again once done."""
    url = settings.database_url()
    waiting = _PENDING_AUDIT.get(url)
    while waiting and _FLUSHING.acquire(blocking=False):
        try:
            while waiting:
                row = waiting.popleft()  # taken first: a row the database refuses is not retried forever
                try:
                    audit.record(get_engine(url), **row)
                except UNAVAILABLE_ERRORS:
                    waiting.appendleft(row)
                    _LOG.warning("database unavailable: %d audit rows wait, the oldest %s %s %s at %s",
                                 len(waiting), row["username"], row["action"], row["outcome"], row["at"])
                    return
        finally:
            _FLUSHING.release()


# ----------------------------------------------------------------------------------- the guard

def require(roles: Iterable[str], page_title: str) -> users.User:
    """The check every page starts with: signed in, not idle too long, and a role the page is for.
    Otherwise draws the sign-in form or a refusal, and stops the run."""
    user = current_user()
    if user is None:
        st.title(page_title)
        login_form()
        st.stop()
    if user.role not in tuple(roles):
        _audit(user.username, user.role, "page_refused", "refused", {"page": page_title})
        st.title(page_title)
        st.error(t("page.not_allowed", role=t(f"role.{user.role}")), icon=":material/block:")
        st.stop()
    return user


def sidebar_account(user: users.User) -> None:
    """Who is signed in, and the sign-out button."""
    with st.sidebar:
        st.caption(t("auth.signed_in_as", name=user.display_name, role=t(f"role.{user.role}")))
        st.button(t("auth.sign_out"), key="auth_sign_out", icon=":material/logout:", on_click=sign_out)


# ------------------------------------------------------------------------------------ sign-in

def login_form() -> None:
    notice = st.session_state.get(NOTICE_KEY)
    if notice:
        st.info(t(notice), icon=":material/info:")
    if sso_configured():
        if st.button(t("auth.sso_button"), key="auth_sso", type="primary", icon=":material/key:"):
            st.login()
        st.caption(t("auth.or_local"))
    with st.form("auth_login", clear_on_submit=False):
        st.subheader(t("auth.title"))
        username = st.text_input(t("auth.username"), key="auth_username", max_chars=80)
        password = st.text_input(t("auth.password"), type="password", key="auth_password", max_chars=200)
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if submitted:
        try:
            outcome = users.authenticate(get_engine(), username, password)
        except UNAVAILABLE_ERRORS:
            st.error(t("db.unreachable"), icon=":material/cloud_off:")
            return
        if isinstance(outcome, users.User):
            _start_session(outcome)
            st.rerun()
        st.error(_refusal_text(outcome), icon=":material/lock:")
    if settings.is_demo_url(settings.database_url()):
        _demo_accounts()


def _refusal_text(refusal: users.Refusal) -> str:
    """A locked account answers as an unknown name or a wrong password does: the same words (and,
    casedb.users.authenticate, the same time), so that the lockout does not tell which names exist."""
    if refusal.reason in ("locked", "bad_credentials"):
        return t("auth.refused.sign_in_failed")
    return t(f"auth.refused.{refusal.reason}")


def _demo_accounts() -> None:
    st.markdown(f"**{t('auth.demo_title')}**")
    st.caption(t("auth.demo_help", password=users.DEMO_PASSWORD))
    st.table({t("auth.username"): [u for u, _, _ in users.DEMO_ACCOUNTS],
              t("auth.role"): [t(f"role.{r}") for _, r, _ in users.DEMO_ACCOUNTS]})


# ---------------------------------------------------------------------------- single sign-on

def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError):
        return False


def _sso_session() -> dict | None:
    """Turn Streamlit's OIDC identity (st.user) into a session, once per browser session."""
    if not sso_configured() or not getattr(st.user, "is_logged_in", False) or st.session_state.get(SSO_REFUSED_KEY):
        return None
    try:
        auth = st.secrets["auth"]
        claims = validate_id_token(st.user.tokens["id"], auth["server_metadata_url"], auth["client_id"])
    except (KeyError, AttributeError, TokenRefused, OSError, ValueError) as error:
        _audit(None, None, "login", "failure", {"method": "sso", "reason": str(error)[:200]})
        return _refuse_sso("auth.sso_refused")
    user = user_for_claims(get_engine(), claims, settings.get("SSO_ROLES"), settings.get("SSO_GROUPS_CLAIM"))
    if user is None:
        _audit(claims.get("email"), None, "login", "refused", {"method": "sso", "reason": "no_role"})
        return _refuse_sso("auth.sso_no_role")
    _audit(user.username, user.role, "login", "success", {"method": "sso"})
    _start_session(user)
    return st.session_state[USER_KEY]


def _refuse_sso(notice: str) -> None:
    """Refuse the provider's identity for this session, with a notice the sign-in form shows. No
    st.logout() here: it starts a new browser session, which would lose the notice."""
    st.session_state[NOTICE_KEY] = notice
    st.session_state[SSO_REFUSED_KEY] = True
    return None


@lru_cache(maxsize=8)
def _provider_metadata(server_metadata_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(server_metadata_url, timeout=HTTP_TIMEOUT_SECONDS) as response:
        return json.load(response)


def _jwks(jwks_uri: str) -> dict[str, Any]:
    with urllib.request.urlopen(jwks_uri, timeout=HTTP_TIMEOUT_SECONDS) as response:
        return json.load(response)


def validate_id_token(id_token: str, server_metadata_url: str, client_id: str,
                      leeway_seconds: int = 60) -> dict[str, Any]:
    """The claims of an ID token, after checking its signature against the provider's published keys
    (discovery document -> jwks_uri), its issuer, its audience (our client id) and its expiry.
    Raises TokenRefused."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    metadata = _provider_metadata(server_metadata_url)
    keys = KeySet.import_key_set(_jwks(metadata["jwks_uri"]))
    try:
        token = jwt.decode(id_token, keys, algorithms=TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=leeway_seconds,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError) as error:
        raise TokenRefused(f"{type(error).__name__}: {error}") from error
    return dict(token.claims)


def email_verified(claims: dict[str, Any]) -> bool:
    """Whether the provider vouches for the e-mail: the boolean true only (a missing claim, the
    string "true" or 1 do not count)."""
    return claims.get("email_verified") is True


def role_for_claims(claims: dict[str, Any], rules: tuple[tuple[str, str, str], ...],
                    groups_claim: str = "groups") -> str | None:
    """The role SSO_ROLES gives these claims: a group rule first, then an e-mail domain rule (only
    for an e-mail the provider says it verified). None: no rule matches."""
    groups = claims.get(groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    for kind, value, role in rules:
        if kind == "group" and value in groups:
            return role
    email = str(claims.get("email") or "").strip().lower()
    if email and email_verified(claims) and email.count("@") == 1:
        domain = email.split("@")[1]
        for kind, value, role in rules:
            if kind == "domain" and domain == value:
                return role
    return None


def _linked_user(row) -> users.User | None:
    if not row.is_active or row.is_demo:
        return None
    return users.User(row.username, row.display_name, row.role, row.email, via_sso=True,
                      sso_issuer=row.sso_issuer, sso_subject=row.sso_subject)


def user_for_claims(engine, claims: dict[str, Any], rules, groups_claim: str = "groups") -> users.User | None:
    """The session user for validated claims. An account in `users` linked to this identity (issuer,
    subject) decides; else an account with this e-mail, if the provider verified it and the account
    is linked to no other identity: it is linked to this one from now on; else the role SSO_ROLES
    gives. None: refused (no rule matches, the account is disabled, or its e-mail belongs to an
    account linked to another identity)."""
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    verified = bool(email) and email_verified(claims)
    with engine.begin() as conn:
        if issuer and subject:
            row = conn.execute(select(users_table).where(users_table.c.sso_issuer == issuer,
                                                         users_table.c.sso_subject == subject)).first()
            if row is not None:
                return _linked_user(row)
        if verified:
            row = conn.execute(select(users_table).where(func.lower(users_table.c.email) == email)).first()
            if row is not None:
                if row.sso_subject is not None or not issuer or not subject:
                    return None  # linked to another identity of the provider (or to none it can name)
                user = _linked_user(row)
                if user is not None:
                    conn.execute(update(users_table).where(users_table.c.id == row.id,
                                                           users_table.c.sso_subject.is_(None))
                                 .values(sso_issuer=issuer, sso_subject=subject))
                    user = replace(user, sso_issuer=issuer, sso_subject=subject)
                return user
    role = role_for_claims(claims, rules, groups_claim)
    if role is None:
        return None
    name = str(claims.get("name") or (email if verified else "") or subject)[:120]
    username = (email if verified else f"sso:{subject}")[:80]
    return users.User(username, name, role, email if verified else None, via_sso=True,
                      sso_issuer=issuer or None, sso_subject=subject or None)
