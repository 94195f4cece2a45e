"""Single sign-on trusts only a verified e-mail, and links an account to the provider's identity
(issuer, subject) once first matched (issue 18, item 4)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casedb import settings, users
from casedb.schema import users as users_table
from ui import auth

RULES = settings._sso_roles("@dinkes.pekanbaru.go.id=health, group:humas=press")
ISSUER = "https://sso.pekanbaru.go.id"
MISSING = object()


def _claims(sub: str, email: str, verified=MISSING, **extra) -> dict:
    claims = {"iss": ISSUER, "sub": sub, "email": email, **extra}
    if verified is not MISSING:
        claims["email_verified"] = verified
    return claims


@pytest.mark.parametrize("verified, trusted", [
    (MISSING, False), ("false", False), ("true", False), (False, False), (1, False), (True, True),
])
def test_only_a_boolean_true_email_verified_matches_an_account_or_a_domain(empty_db, verified, trusted):
    users.create(empty_db, "kadis", "admin", None, "Kepala Dinas", email="kadis@dinkes.pekanbaru.go.id")
    by_account = auth.user_for_claims(empty_db, _claims("s-1", "kadis@dinkes.pekanbaru.go.id", verified), RULES)
    by_domain = auth.user_for_claims(empty_db, _claims("s-2", "staf@dinkes.pekanbaru.go.id", verified), RULES)
    if trusted:
        assert (by_account.username, by_account.role) == ("kadis", "admin")
        assert by_domain.role == "health"
    else:
        assert by_account is None and by_domain is None
    # A group rule does not depend on the e-mail; the session is then not named by the e-mail.
    by_group = auth.user_for_claims(
        empty_db, _claims("s-3", "pers@dinkes.pekanbaru.go.id", verified, groups=["humas"]), RULES)
    assert by_group.role == "press"
    assert by_group.username == ("pers@dinkes.pekanbaru.go.id" if trusted else "sso:s-3")


def test_an_account_is_linked_to_issuer_and_subject_once_matched(empty_db):
    users.create(empty_db, "kadis", "admin", None, "Kepala Dinas", email="kadis@dinkes.pekanbaru.go.id")
    first = auth.user_for_claims(empty_db, _claims("sub-kadis", "kadis@dinkes.pekanbaru.go.id", True), RULES)
    assert first.username == "kadis"
    with empty_db.connect() as conn:
        assert conn.execute(select(users_table.c.sso_issuer, users_table.c.sso_subject)
                            .where(users_table.c.username == "kadis")).one() == (ISSUER, "sub-kadis")
    # Afterwards (issuer, subject) decide, whatever the e-mail says now.
    again = auth.user_for_claims(empty_db, _claims("sub-kadis", "kadis.baru@gmail.com", MISSING), RULES)
    assert (again.username, again.role) == ("kadis", "admin")
    # Another identity of the provider with the same verified e-mail does not get the account.
    other = auth.user_for_claims(empty_db, _claims("sub-other", "kadis@dinkes.pekanbaru.go.id", True), RULES)
    assert other is None
    # The same subject from another issuer is another identity.
    elsewhere = auth.user_for_claims(
        empty_db, {**_claims("sub-kadis", "x@gmail.com", True), "iss": "https://evil.example"}, RULES)
    assert elsewhere is None
    users.disable(empty_db, "kadis")
    assert auth.user_for_claims(empty_db, _claims("sub-kadis", "kadis@dinkes.pekanbaru.go.id", True), RULES) is None
