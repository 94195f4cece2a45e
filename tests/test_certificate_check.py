"""Certificate verification on the small demo city, on both backends: the named query against a
recomputation in pandas over the raw tables for certificates of every status; what officers type;
the page as a checkpoint officer with its audit row; attack inputs in both boxes."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

import queries
from casedb.schema import authorization_test_types, authorizations, certificates, facilities, persons, test_results
from tests.conftest import DEMO_END
from tests.sessions import sign_in
from tests.test_access import SQL_ATTACKS, _table_counts
from ui import certificates as verification
from ui import i18n

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "certificate_check.py")
CERTIFICATE_STATUSES = ("valid", "expired", "revoked", "issuer_unauthorized", "no_test_result", "result_mismatch")
PER_STATUS = 12
DETAILS = ("facility_name", "test_type", "certified_result", "issued_at", "expires_at", "tested_at", "holder_sex",
           "holder_birth_year")
UNKNOWN_NUMBER = "SKB-000-000000-0000000"


def _frame(conn, table) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(select(table)).mappings().all(), columns=list(table.c.keys()))


@pytest.fixture(scope="module")
def expected(small_city) -> pd.DataFrame:
    """Every certificate with its status at DEMO_END, worked out from the raw rows: the first of
    revoked, issuer not authorised (no authorisation of the facility covering the test type on the
    issue day and unrevoked at issue), no test result, a test of another person or with another
    result than certified (result mismatch), expired; else valid."""
    with small_city.connect() as conn:
        certs = _frame(conn, certificates)
        covers = _frame(conn, authorization_test_types).merge(
            _frame(conn, authorizations), left_on="authorization_id", right_on="id")
        tests = {row.id: row for row in conn.execute(select(test_results.c.id, test_results.c.person_key,
                                                             test_results.c.result, test_results.c.result_at))}
        holders = {row.person_key: row for row in conn.execute(select(persons.c.person_key, persons.c.sex,
                                                                      persons.c.birth_year))}
        facility_name = dict(conn.execute(select(facilities.c.id, facilities.c.name)).all())
    pairs = certs[["id", "facility_id", "test_type", "issued_at", "issued_day"]].merge(
        covers[["facility_id", "test_type", "valid_from", "valid_until", "revoked_at"]], on=["facility_id", "test_type"])
    pairs["issued_day"] = pd.to_datetime(pairs["issued_day"])
    covering = ((pd.to_datetime(pairs["valid_from"]) <= pairs["issued_day"])
                & (pairs["issued_day"] <= pd.to_datetime(pairs["valid_until"]))
                & (pairs["revoked_at"].isna() | (pairs["revoked_at"] > pairs["issued_at"])))
    authorised = set(pairs.loc[covering, "id"])

    def status(row) -> str:
        if pd.notna(row.revoked_at) and row.revoked_at <= DEMO_END:
            return "revoked"
        if row.id not in authorised:
            return "issuer_unauthorized"
        if pd.isna(row.test_result_id) or int(row.test_result_id) not in tests:
            return "no_test_result"
        test = tests[int(row.test_result_id)]
        if test.person_key != row.person_key or test.result != row.certified_result:
            return "result_mismatch"
        if row.valid_until < DEMO_END:
            return "expired"
        return "valid"

    test_of = certs["test_result_id"].map(lambda i: tests.get(int(i)) if pd.notna(i) else None)
    return certs.assign(status=[status(row) for row in certs.itertuples()],
                        facility_name=certs["facility_id"].map(facility_name),
                        tested_at=[test.result_at if test is not None else None for test in test_of],
                        holder_sex=certs["person_key"].map(lambda k: holders[k].sex),
                        holder_birth_year=certs["person_key"].map(lambda k: holders[k].birth_year))


def _picked(expected: pd.DataFrame) -> pd.DataFrame:
    """Up to PER_STATUS certificates of each status, spread over the whole history."""
    return pd.concat(group.iloc[::max(len(group) // PER_STATUS, 1)].head(PER_STATUS)
                     for _, group in expected.sort_values("id").groupby("status"))


def _verify(engine, number: str, check_code: str, role: str = "checkpoint") -> pd.DataFrame:
    return queries.run("certificate_verify", role, engine=engine, number=number, check_code=check_code, at=DEMO_END)


def test_the_demo_city_holds_certificates_of_every_status(expected):
    counts = expected["status"].value_counts()
    assert set(counts.index) == set(CERTIFICATE_STATUSES), counts.to_dict()


def test_every_status_against_the_recomputation(small_city, expected):
    for row in _picked(expected).itertuples():
        frame = _verify(small_city, row.number, row.check_code)
        assert list(frame.columns) == ["status", *DETAILS]  # nothing of the person, ever
        assert len(frame) == 1
        shown = frame.iloc[0]
        assert shown["status"] == row.status, row.number
        assert (shown["facility_name"], shown["test_type"], shown["certified_result"]) == \
            (row.facility_name, row.test_type, row.certified_result)
        assert pd.Timestamp(shown["issued_at"]) == pd.Timestamp(row.issued_at)
        assert pd.Timestamp(shown["expires_at"]) == pd.Timestamp(row.valid_until)
        assert pd.isna(shown["tested_at"]) == pd.isna(row.tested_at)
        assert pd.isna(row.tested_at) or pd.Timestamp(shown["tested_at"]) == pd.Timestamp(row.tested_at)
        assert (shown["holder_sex"], shown["holder_birth_year"]) == (row.holder_sex, row.holder_birth_year)


def test_a_wrong_check_code_or_an_unknown_number_tells_nothing_more(small_city, expected):
    for row in _picked(expected).head(20).itertuples():
        wrong = "ZZZZ" if row.check_code != "ZZZZ" else "YYYY"
        shown = _verify(small_city, row.number, wrong).iloc[0]
        assert shown["status"] == "wrong_code"
        assert shown[list(DETAILS)].isna().all()
    shown = _verify(small_city, UNKNOWN_NUMBER, "ABCD2345").iloc[0]
    assert shown["status"] == "not_found" and shown[list(DETAILS)].isna().all()


def test_only_checkpoint_health_and_admin_may_verify(small_city, expected):
    row = expected.iloc[0]
    for role in ("checkpoint", "health", "admin"):
        assert _verify(small_city, row.number, row.check_code, role).iloc[0]["status"] == row.status
    for role in ("mayor", "press", None):
        with pytest.raises(queries.QueryNotAllowed):
            _verify(small_city, row.number, row.check_code, role)


def test_attack_strings_bound_as_parameters_find_nothing_and_change_nothing(small_city, expected):
    before = _table_counts(small_city)
    known = expected.iloc[0]
    for attack in SQL_ATTACKS:
        assert _verify(small_city, attack, attack).iloc[0]["status"] == "not_found"
        assert _verify(small_city, known.number, attack).iloc[0]["status"] == "wrong_code"
    assert _table_counts(small_city) == before


@pytest.mark.parametrize("number, check_code, problem", [
    ("  skb-038-250529-0000001 ", " 3jqzx4wn\t", None),
    ("SKB/12.3", "abcd", None),
    ("", "3JQZX4WN", "certificate_check.bad_number"),
    ("SKB 038", "3JQZX4WN", "certificate_check.bad_number"),
    ("-SKB", "3JQZX4WN", "certificate_check.bad_number"),
    ("S" * 41, "3JQZX4WN", "certificate_check.bad_number"),
    ("SKB-038", "", "certificate_check.bad_code"),
    ("SKB-038", "ab1", "certificate_check.bad_code"),
    ("SKB-038", "3JQZ-X4WN", "certificate_check.bad_code"),
    ("SKB-038", "A" * 13, "certificate_check.bad_code"),
    *[(attack, "3JQZX4WN", "certificate_check.bad_number") for attack in SQL_ATTACKS],
    *[("SKB-038", attack, "certificate_check.bad_code") for attack in SQL_ATTACKS],
])
def test_typed_input(number, check_code, problem):
    assert verification.input_problem(number, check_code) == problem


# --------------------------------------------------------------------------- the page, as an officer

def t(key: str, **kwargs) -> str:
    return i18n.t(key, lang="id", **kwargs)


@pytest.fixture
def officer(small_city, monkeypatch):
    """Open the page as a signed-in checkpoint officer on the small city; returns a function that
    types a number and a check code and presses the button."""
    monkeypatch.setenv("DATABASE_URL", small_city.url.render_as_string(hide_password=False))
    # The page checks a certificate as at the moment it is asked; the statuses expected are those
    # at the small city's last moment, whose valid certificates run out in real time.
    monkeypatch.setattr("casedb.wib.now_utc", lambda: DEMO_END)
    queries.clear_cache()

    def check(number: str, check_code: str) -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["lang"] = "id"
        sign_in(at, "checkpoint")
        at.run()
        for key, typed in (("certificate_number", number), ("certificate_check_code", check_code)):
            box = at.text_input(key=key)
            box.input(typed[:box.max_chars])  # a browser stops typing at the box's limit
        at.get("form_submit_button")[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return check


def _audit_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id, username, role, outcome, detail FROM audit_log "
                                 "WHERE action = 'certificate_verify' ORDER BY id")).all()


def _panel(at: AppTest) -> str:
    return "\n".join(alert.value for alerts in (at.success, at.warning, at.error) for alert in alerts)


def test_the_page_shows_each_status_and_audits_it(small_city, expected, officer):
    picked = _picked(expected).groupby("status").head(1)
    cases = [(row.number, row.check_code, row.status, row.facility_name) for row in picked.itertuples()]
    known = picked.iloc[0]
    cases += [(known.number, "ZZZZ" if known.check_code != "ZZZZ" else "YYYY", "wrong_code", None),
              (UNKNOWN_NUMBER, "ABCD2345", "not_found", None)]
    for number, check_code, status, facility_name in cases:
        before = _audit_rows(small_city)
        # As an officer types it on a phone: small letters, a space too many.
        at = officer(f" {number.lower()} ", check_code.lower())
        assert _panel(at).startswith(f"### {t(f'certificate_check.status.{status}')}\n"), (number, _panel(at))
        details = at.table[0].value
        assert number in set(details["value"])
        assert (facility_name in set(details["value"])) if facility_name else len(details) == 2
        rows = _audit_rows(small_city)
        assert len(rows) == len(before) + 1
        audited = rows[-1]
        assert (audited.username, audited.role) == ("t-checkpoint", "checkpoint")
        assert audited.outcome == ("success" if status == "valid" else "failure")
        assert json.loads(audited.detail) == {"number": number, "status": status, "via": "typed"}
        assert check_code not in audited.detail and check_code.lower() not in audited.detail


def test_unreadable_input_gets_a_clear_message_and_no_check(small_city, officer):
    before = _audit_rows(small_city)
    at = officer("SKB 038", "3JQZX4WN")
    assert [e.value for e in at.error] == [t("certificate_check.bad_number")]
    at = officer("SKB-038", "3J")
    assert [e.value for e in at.error] == [t("certificate_check.bad_code")]
    assert not at.success and not at.warning
    assert _audit_rows(small_city) == before


def test_sql_injection_in_both_boxes_does_nothing(small_city, officer):
    before = _table_counts(small_city)
    for attack in SQL_ATTACKS:
        at = officer(attack, attack)
        assert [e.value for e in at.error] == [t("certificate_check.bad_number")]
        at = officer("SKB-038-250529-0000001", attack)
        assert [e.value for e in at.error] == [t("certificate_check.bad_code")]
    assert _table_counts(small_city) == before
