"""Sign-in: argon2 hashes, lockout, demo accounts only on the demo database, the users CLI, session
expiry, and single sign-on role mapping and ID-token validation against a local OIDC provider."""
from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from casedb import settings, users
from casedb.schema import audit_log
from casedb.schema import users as users_table
from casedb.wib import now_utc
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalOIDCProvider
from ui import auth

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


def _audit(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(audit_log.c.username, audit_log.c.action, audit_log.c.outcome, audit_log.c.detail)
            .order_by(audit_log.c.id))]


def test_password_is_stored_as_an_argon2id_hash_and_checks(empty_db):
    users.create(empty_db, "Analis1", "health", PASSWORD, "Analis Satu")
    with empty_db.connect() as conn:
        stored = conn.execute(select(users_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    user = users.authenticate(empty_db, "  ANALIS1 ", PASSWORD)
    assert user == users.User("analis1", "Analis Satu", "health")
    assert users.authenticate(empty_db, "analis1", PASSWORD + "x") == users.Refusal("bad_credentials")
    assert users.authenticate(empty_db, "nobody", PASSWORD) == users.Refusal("bad_credentials")
    log = _audit(empty_db)
    assert [(u, a, o) for u, a, o, _ in log] == [
        ("analis1", "user_change", "success"),
        ("analis1", "login", "success"),
        ("analis1", "login", "failure"),
        ("?nob***", "login", "failure"),
    ]
    assert all(PASSWORD not in (d or "") for *_, d in log)


def test_brute_force_hits_the_lockout_and_it_runs_out(empty_db, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("LOGIN_LOCKOUT_MINUTES", "10")
    users.create(empty_db, "humas1", "press", PASSWORD)
    guesses = ["123456", "password", "' OR '1'='1", "admin'--", PASSWORD]
    outcomes = [users.authenticate(empty_db, "humas1", g) for g in guesses]
    assert [o.reason for o in outcomes[:2]] == ["bad_credentials", "bad_credentials"]
    # The third failure locks; then even the right password is refused.
    assert outcomes[2].reason == "locked" and outcomes[3].reason == "locked" and outcomes[4].reason == "locked"
    until = outcomes[2].locked_until
    assert timedelta(minutes=9) < until - now_utc() <= timedelta(minutes=10)
    # Ten minutes later (moved back in the table rather than waited for), the right password works.
    with empty_db.begin() as conn:
        conn.execute(update(users_table).values(locked_until=now_utc() - timedelta(seconds=1)))
    assert isinstance(users.authenticate(empty_db, "humas1", PASSWORD), users.User)
    with empty_db.connect() as conn:
        assert conn.execute(select(users_table.c.failed_attempts)).scalar_one() == 0


def test_an_expired_lockout_counts_failures_afresh(empty_db, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_ATTEMPTS", "2")
    users.create(empty_db, "walkot", "mayor", PASSWORD)
    users.authenticate(empty_db, "walkot", "wrong one")
    assert users.authenticate(empty_db, "walkot", "wrong two").reason == "locked"
    with empty_db.begin() as conn:
        conn.execute(update(users_table).values(locked_until=now_utc() - timedelta(seconds=1)))
    assert users.authenticate(empty_db, "walkot", "wrong three").reason == "bad_credentials"


def test_disable_enable_reset(empty_db):
    users.create(empty_db, "posko1", "checkpoint", PASSWORD)
    users.disable(empty_db, "posko1")
    assert users.authenticate(empty_db, "posko1", PASSWORD).reason == "disabled"
    # A disabled account does not say so to someone without its password.
    assert users.authenticate(empty_db, "posko1", "guessing").reason == "bad_credentials"
    users.enable(empty_db, "posko1")
    users.reset_password(empty_db, "posko1", "a new long password")
    assert users.authenticate(empty_db, "posko1", PASSWORD).reason == "bad_credentials"
    assert users.authenticate(empty_db, "posko1", "a new long password").role == "checkpoint"
    with pytest.raises(users.UserError):
        users.reset_password(empty_db, "ghost", "a new long password")
    with pytest.raises(users.UserError):
        users.create(empty_db, "posko1", "checkpoint", PASSWORD)


@pytest.mark.parametrize("username, role, password", [
    ("x", "health", PASSWORD),                      # too short a name
    ("robert'); DROP TABLE users;--", "health", PASSWORD),
    ("<script>", "health", PASSWORD),
    ("valid.name", "superuser", PASSWORD),          # not a role
    ("valid.name", "health", "short"),              # too short a password
])
def test_bad_accounts_are_refused(empty_db, username, role, password):
    with pytest.raises(users.UserError):
        users.create(empty_db, username, role, password)
    assert users.list_users(empty_db) == []


def test_sso_only_account_has_no_password(empty_db):
    users.create(empty_db, "kadis", "health", None, email="kadis@dinkes.pekanbaru.go.id")
    assert users.authenticate(empty_db, "kadis", "").reason == "bad_credentials"
    assert users.authenticate(empty_db, "kadis", "anything at all").reason == "bad_credentials"


def test_demo_accounts_exist_only_on_the_demo_database(empty_db, monkeypatch):
    # Elsewhere: nothing is created, and creating one by hand is refused.
    assert users.ensure_demo_accounts(empty_db) == 0
    assert users.list_users(empty_db) == []
    with pytest.raises(users.UserError):
        users.create(empty_db, "dinkes", "health", users.DEMO_PASSWORD, is_demo=True)
    # Pretend this database is the embedded demo one: one account per role, idempotent.
    url = empty_db.url.render_as_string(hide_password=False)
    monkeypatch.setattr(settings, "DEMO_DATABASE_URL", url)
    assert users.ensure_demo_accounts(empty_db) == 5
    assert users.ensure_demo_accounts(empty_db) == 0
    listed = users.list_users(empty_db)
    assert sorted(u["role"] for u in listed) == sorted(["mayor", "health", "press", "admin", "checkpoint"])
    assert all(u["is_demo"] for u in listed)
    assert users.authenticate(empty_db, "walikota", users.DEMO_PASSWORD).role == "mayor"
    # The same rows on a database that is not the demo one are refused, and the refusal says why.
    monkeypatch.setattr(settings, "DEMO_DATABASE_URL", "sqlite:///somewhere-else.sqlite")
    assert users.authenticate(empty_db, "walikota", users.DEMO_PASSWORD) == users.Refusal("demo_account")


def _cli(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "casedb.users", "--database-url", url, *args],
                          input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_creates_lists_disables_and_never_echoes_the_password(empty_db):
    url = empty_db.url.render_as_string(hide_password=False)
    secret = "cli secret password 1"
    done = _cli(url, "create", "operator1", "admin", "--name", "Operator", "--password-stdin", stdin=secret + "\n")
    assert done.returncode == 0, done.stderr
    assert secret not in done.stdout + done.stderr
    assert users.authenticate(empty_db, "operator1", secret).role == "admin"
    assert _cli(url, "disable", "operator1").returncode == 0
    listed = _cli(url, "list")
    assert "operator1\tadmin\tdisabled" in listed.stdout and secret not in listed.stdout
    assert _cli(url, "enable", "operator1").returncode == 0
    assert _cli(url, "reset", "operator1", "--password-stdin", stdin="short\n").returncode == 1
    refused = _cli(url, "create", "operator2", "mayor", "--password-stdin", stdin="tiny\n")
    assert refused.returncode == 1 and "users.short_password" in refused.stderr and "tiny" not in refused.stderr
    with empty_db.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM users")).scalar_one() == 1


# ------------------------------------------------------------------------------ single sign-on

RULES = settings._sso_roles("@dinkes.pekanbaru.go.id=health, @pekanbaru.go.id=mayor, group:humas=press, "
                            "group:posko-bandara=checkpoint")


@pytest.fixture
def provider():
    auth._provider_metadata.cache_clear()
    with LocalOIDCProvider() as running:
        yield running
    auth._provider_metadata.cache_clear()


def _code_flow(provider: LocalOIDCProvider, nonce: str) -> dict:
    """The authorisation-code flow as a client runs it over HTTP: discovery, authorise, token."""
    with urllib.request.urlopen(provider.metadata_url, timeout=5) as response:
        metadata = json.load(response)
    redirect_uri = "http://127.0.0.1:1/oauth2callback"
    query = urllib.parse.urlencode({"client_id": CLIENT_ID, "response_type": "code", "scope": "openid email",
                                    "redirect_uri": redirect_uri, "state": "s1", "nonce": nonce})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(f"{metadata['authorization_endpoint']}?{query}", timeout=5)
        raise AssertionError("the authorisation endpoint must redirect")
    except urllib.error.HTTPError as redirect:
        location = urllib.parse.urlparse(redirect.headers["Location"])
    code = urllib.parse.parse_qs(location.query)["code"][0]
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                   "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}).encode()
    with urllib.request.urlopen(metadata["token_endpoint"], data=body, timeout=5) as response:
        return json.load(response)


def test_sso_token_from_the_local_provider_validates_and_maps_to_a_role(provider, empty_db):
    tokens = _code_flow(provider, nonce="n-123")
    claims = auth.validate_id_token(tokens["id_token"], provider.metadata_url, CLIENT_ID)
    assert claims["iss"] == provider.issuer and claims["aud"] == CLIENT_ID and claims["nonce"] == "n-123"
    user = auth.user_for_claims(empty_db, claims, RULES)
    assert (user.username, user.role, user.via_sso) == ("analis@dinkes.pekanbaru.go.id", "health", True)


@pytest.mark.parametrize("identity, role", [
    ({"email": "staf@pekanbaru.go.id"}, "mayor"),
    ({"email": "STAF@Dinkes.Pekanbaru.go.id"}, "health"),               # case of an e-mail does not matter
    ({"email": "x@dinkes.pekanbaru.go.id", "groups": ["humas"]}, "press"),  # a group rule wins over the domain
    ({"email": "petugas@gmail.com", "groups": "posko-bandara"}, "checkpoint"),
    ({"email": "someone@gmail.com"}, None),                               # no rule: refused
    ({"email": "a@evil.dinkes.pekanbaru.go.id"}, None),                   # a subdomain is another domain
    ({"email": "a@dinkes.pekanbaru.go.id.evil.com"}, None),
    ({"email": "a@x@dinkes.pekanbaru.go.id"}, None),
    ({"email": "a@dinkes.pekanbaru.go.id", "email_verified": False}, None),  # unverified e-mail gives nothing
    ({"email": None, "groups": ["humas; DROP TABLE users"]}, None),
])
def test_role_mapping_rules(provider, empty_db, identity, role):
    provider.identity = {"sub": "u-9", "email_verified": True, **identity}
    claims = auth.validate_id_token(provider.id_token(), provider.metadata_url, CLIENT_ID)
    user = auth.user_for_claims(empty_db, claims, RULES)
    assert (user.role if user else None) == role


def test_a_local_account_with_the_same_email_decides_and_can_be_disabled(provider, empty_db):
    users.create(empty_db, "kadis", "admin", None, "Kepala Dinas", email="analis@dinkes.pekanbaru.go.id")
    claims = auth.validate_id_token(provider.id_token(), provider.metadata_url, CLIENT_ID)
    assert auth.user_for_claims(empty_db, claims, RULES).role == "admin"   # not health, as the domain says
    users.disable(empty_db, "kadis")
    assert auth.user_for_claims(empty_db, claims, RULES) is None


def test_forged_and_stale_tokens_are_refused(provider):
    from joserfc.jwk import OctKey, RSAKey

    now = int(time.time())
    other_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"}, private=True)
    good = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "u", "iat": now, "exp": now + 600}
    forged = {
        "signed by another key": provider.sign(good, key=other_key),
        "another audience": provider.id_token(audience="someone-else"),
        "another issuer": provider.id_token(iss="http://127.0.0.1:9/evil"),
        "expired": provider.id_token(exp=now - 3600, iat=now - 7200),
        "no subject": provider.id_token(sub=None),
    }
    # alg=none, and HS256 keyed with the public key (algorithm confusion), made by hand.
    def b64(data: dict) -> str:
        import base64
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    forged["alg none"] = f"{b64({'alg': 'none'})}.{b64(good)}."
    from joserfc import jwt
    public_as_secret = OctKey.import_key(json.dumps(provider.key.as_dict(private=False)).encode())
    forged["hs256 with the public key"] = jwt.encode({"alg": "HS256"}, good, public_as_secret, algorithms=["HS256"])
    forged["garbage"] = "not.a.token"
    for what, token in forged.items():
        with pytest.raises(auth.TokenRefused):
            auth.validate_id_token(token, provider.metadata_url, CLIENT_ID)
            pytest.fail(what)
    assert auth.validate_id_token(provider.sign(good), provider.metadata_url, CLIENT_ID)["sub"] == "u"


@pytest.mark.parametrize("text", ["@dinkes=superuser", "dinkes.go.id=health", "group:=press", "@=health"])
def test_bad_sso_rules_are_a_settings_error(monkeypatch, text):
    monkeypatch.setenv("SSO_ROLES", text)
    with pytest.raises(settings.SettingsError):
        settings.get("SSO_ROLES")
