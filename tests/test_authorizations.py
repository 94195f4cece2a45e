"""Authorisations (casedb.authorizations) and their page: grant and revoke, checked, audited in the
same transaction, bumping the data version; and what they do to a certificate check
(queries/certificate_verify.sql), worked out by hand for a certificate issued at a known moment."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from streamlit.testing.v1 import AppTest

import queries
from casedb import authorizations, facilities, reference, users
from casedb.data_version import current
from casedb.facilities import RegistryError
from casedb.schema import audit_log, authorization_test_types, certificates, persons, test_results
from casedb.schema import authorizations as authorizations_table
from casedb.wib import wib_day
from tests.sessions import sign_in
from tests.test_facilities import HTML_ATTACK, SQL_ATTACK, click, draft, page_city  # noqa: F401 (a fixture)
from ui import i18n

ROOT = Path(__file__).resolve().parents[1]
HEALTH = users.User("analis.dua", "Analis Dua", "health")
PERSON = "a" * 64
# 20 Nov 2026 17:00 WIB; the WIB day and the UTC day agree.
ISSUED = datetime(2026, 11, 20, 10, 0)
# 20 Nov 2026 01:00 WIB, still 19 Nov in UTC: the authorisation's days are WIB days.
ISSUED_AFTER_MIDNIGHT_WIB = datetime(2026, 11, 19, 18, 0)
CHECKED = datetime(2026, 11, 21, 3, 0)


def certificate(conn, number: str, issued_at: datetime, test_type: str = "antigen", facility_id: int = 37) -> None:
    """A negative certificate of the facility over a real test result of the same person."""
    result_id = conn.execute(insert(test_results).values(
        facility_id=facility_id, person_key=PERSON, test_type=test_type, purpose="travel",
        specimen_at=issued_at - timedelta(hours=2), result_at=issued_at - timedelta(minutes=30),
        reported_at=issued_at - timedelta(minutes=20), result_day=wib_day(issued_at - timedelta(minutes=30)),
        result="negative", source_ref=number)).inserted_primary_key[0]
    conn.execute(insert(certificates).values(
        number=number, check_code="ABCD1234", facility_id=facility_id, test_result_id=result_id, person_key=PERSON,
        test_type=test_type, certified_result="negative", issued_at=issued_at, issued_day=wib_day(issued_at),
        valid_until=issued_at + timedelta(days=3)))


@pytest.fixture
def issuer(empty_db):
    """The reference city, a newly registered clinic (id 37) and certificates it issued, none of
    them covered by any authorisation yet."""
    with empty_db.begin() as conn:
        reference.load(conn)
    facilities.register(empty_db, draft(), HEALTH)
    with empty_db.begin() as conn:
        conn.execute(insert(persons).values(person_key=PERSON, is_resident=True))
        certificate(conn, "SKB-1", ISSUED)
        certificate(conn, "SKB-2", ISSUED + timedelta(hours=2))
        certificate(conn, "SKB-3", ISSUED_AFTER_MIDNIGHT_WIB)
        certificate(conn, "SKB-PCR", ISSUED, test_type="pcr")
    return empty_db


def status(engine, number: str) -> str:
    return queries.run("certificate_verify", "checkpoint", engine=engine, number=number, check_code="ABCD1234",
                       at=CHECKED).iloc[0]["status"]


def statuses(engine) -> dict[str, str]:
    return {n: status(engine, n) for n in ("SKB-1", "SKB-2", "SKB-3", "SKB-PCR")}


def changes(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [(r.username, r.role, r.outcome, json.loads(r.detail)) for r in conn.execute(
            select(audit_log).where(audit_log.c.action == "authorization_change").order_by(audit_log.c.id))]


def version(engine) -> int:
    with engine.connect() as conn:
        return current(conn)[0]


def test_granting_covers_certificates_of_its_days_and_test_types(issuer):
    assert set(statuses(issuer).values()) == {"issuer_unauthorized"}
    before = version(issuer)
    # Antigen only, from the WIB day of SKB-3 (19 Nov in UTC) to the day of SKB-1 and SKB-2.
    authorizations.grant(issuer, "pku-0001", " 440/00012/DINKES-PKU/REK/2026 ", ["antigen"],
                         date(2026, 11, 20), date(2026, 11, 20), HEALTH)
    assert version(issuer) == before + 1
    assert statuses(issuer) == {"SKB-1": "valid", "SKB-2": "valid", "SKB-3": "valid",
                                "SKB-PCR": "issuer_unauthorized"}
    assert changes(issuer) == [("analis.dua", "health", "success", {
        "facility": "PKU-0001", "number": "440/00012/DINKES-PKU/REK/2026", "op": "grant", "test_types": ["antigen"],
        "valid_from": "2026-11-20", "valid_until": "2026-11-20"})]
    with issuer.connect() as conn:
        row = conn.execute(select(authorizations_table)).one()
        covered = conn.execute(select(authorization_test_types.c.test_type)).scalars().all()
    assert (row.number, row.facility_id, row.granted_by, row.revoked_at) == (
        "440/00012/DINKES-PKU/REK/2026", 37, "analis.dua", None)
    assert covered == ["antigen"]


def test_a_grant_ending_the_day_before_covers_nothing_of_that_day(issuer):
    authorizations.grant(issuer, "PKU-0001", "440/1", ["antigen", "pcr"], date(2026, 11, 1), date(2026, 11, 19),
                         HEALTH)
    # SKB-3 was issued on 19 Nov in UTC but 20 Nov in WIB: not covered.
    assert set(statuses(issuer).values()) == {"issuer_unauthorized"}


def test_revoking_uncovers_what_is_issued_from_then_on(issuer):
    authorizations.grant(issuer, "PKU-0001", "440/2", ["antigen", "pcr"], date(2026, 11, 1), date(2026, 11, 30),
                         HEALTH)
    assert set(statuses(issuer).values()) == {"valid"}
    before = version(issuer)
    # Revoked at 18:00 WIB: after SKB-1 (17:00 WIB), before SKB-2 (19:00 WIB).
    revoked_at = datetime(2026, 11, 20, 11, 0)
    authorizations.revoke(issuer, "440/2", "  Izin dicabut: hasil palsu  ", HEALTH, at=revoked_at)
    assert version(issuer) == before + 1
    assert statuses(issuer) == {"SKB-1": "valid", "SKB-2": "issuer_unauthorized", "SKB-3": "valid",
                                "SKB-PCR": "valid"}
    assert changes(issuer)[-1] == ("analis.dua", "health", "success", {
        "facility": "PKU-0001", "number": "440/2", "op": "revoke", "test_types": ["pcr", "antigen"],
        "valid_from": "2026-11-01", "valid_until": "2026-11-30", "revoked_at": "2026-11-20 11:00:00",
        "reason": "Izin dicabut: hasil palsu"})
    with pytest.raises(RegistryError) as refused:
        authorizations.revoke(issuer, "440/2", "again", HEALTH)
    assert refused.value.key == "registry.already_revoked"


@pytest.mark.parametrize("number, test_types, valid_from, valid_until, key", [
    ("440/3", ["antigen"], date(2026, 11, 2), date(2026, 11, 1), "registry.dates_reversed"),
    ("440/3", ["antigen"], None, date(2026, 11, 1), "registry.dates_missing"),
    ("440/3", [], date(2026, 11, 1), date(2026, 11, 2), "registry.test_types_missing"),
    ("440/3", ["rapid"], date(2026, 11, 1), date(2026, 11, 2), "registry.bad_test_type"),
    ("   ", ["pcr"], date(2026, 11, 1), date(2026, 11, 2), "registry.number_missing"),
    ("4" * 61, ["pcr"], date(2026, 11, 1), date(2026, 11, 2), "registry.number_long"),
    ("440/EXISTING", ["pcr"], date(2026, 11, 1), date(2026, 11, 2), "registry.number_taken"),
])
def test_a_bad_grant_is_refused_and_leaves_nothing(issuer, number, test_types, valid_from, valid_until, key):
    authorizations.grant(issuer, "PKU-0001", "440/EXISTING", ["pcr"], date(2026, 1, 1), date(2026, 1, 31), HEALTH)
    before = version(issuer)
    with pytest.raises(RegistryError) as refused:
        authorizations.grant(issuer, "PKU-0001", number, test_types, valid_from, valid_until, HEALTH)
    assert refused.value.key == key and i18n.t(key, "en", **refused.value.params) != key
    with issuer.connect() as conn:
        assert conn.execute(select(func.count()).select_from(authorizations_table)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(authorization_test_types)).scalar_one() == 1
    assert version(issuer) == before and len(changes(issuer)) == 1


def test_grant_to_an_unknown_or_closed_facility_and_revoke_without_reason_are_refused(issuer):
    with pytest.raises(RegistryError) as refused:
        authorizations.grant(issuer, SQL_ATTACK, "440/4", ["pcr"], date(2026, 11, 1), date(2026, 11, 2), HEALTH)
    assert refused.value.key == "registry.unknown_facility"
    facilities.close(issuer, "PKU-0001", date(2026, 11, 25), HEALTH)
    with pytest.raises(RegistryError) as refused:
        authorizations.grant(issuer, "PKU-0001", "440/4", ["pcr"], date(2026, 11, 25), date(2026, 12, 2), HEALTH)
    assert refused.value.key == "registry.facility_closed"
    authorizations.grant(issuer, "PKU-0001", "440/4", ["pcr"], date(2026, 11, 1), date(2026, 12, 2), HEALTH)
    for reason, key in (("  ", "registry.reason_missing"), ("x" * 501, "registry.reason_long")):
        with pytest.raises(RegistryError) as refused:
            authorizations.revoke(issuer, "440/4", reason, HEALTH)
        assert refused.value.key == key
    with pytest.raises(RegistryError) as refused:
        authorizations.revoke(issuer, "440/5", "no such number", HEALTH)
    assert refused.value.key == "registry.unknown_number"
    assert [d["op"] for *_, d in changes(issuer)] == ["grant"]


def test_attack_text_in_a_number_and_a_reason_is_stored_verbatim(issuer):
    number = f"{HTML_ATTACK[:30]}{SQL_ATTACK}"[:60]
    authorizations.grant(issuer, "PKU-0001", number, ["pcr"], date(2026, 11, 1), date(2026, 11, 2), HEALTH)
    authorizations.revoke(issuer, number, HTML_ATTACK, HEALTH)
    with issuer.connect() as conn:
        row = conn.execute(select(authorizations_table)).one()
    assert (row.number, row.revoked_reason) == (number, HTML_ATTACK)
    assert [d["number"] for *_, d in changes(issuer)] == [number, number]


def test_the_list_query_gives_each_status_on_the_wib_day(issuer):
    for number, types, start, end in (("A-VALID", ["pcr", "antibody"], date(2026, 11, 1), date(2026, 11, 27)),
                                      ("A-EXPIRED", ["antigen"], date(2026, 10, 1), date(2026, 11, 26)),
                                      ("A-FUTURE", ["antigen"], date(2026, 11, 28), date(2027, 5, 1)),
                                      ("A-REVOKED", ["pcr"], date(2026, 11, 1), date(2027, 5, 1))):
        authorizations.grant(issuer, "PKU-0001", number, types, start, end, HEALTH)
    authorizations.revoke(issuer, "A-REVOKED", "fraud", HEALTH)
    listed = queries.run("facility_authorizations", "admin", engine=issuer, registry_code="PKU-0001",
                         today=date(2026, 11, 27))
    assert dict(zip(listed["number"], listed["status"])) == {
        "A-VALID": "valid", "A-EXPIRED": "expired", "A-FUTURE": "future", "A-REVOKED": "revoked"}
    valid = listed.set_index("number").loc["A-VALID"]
    assert (valid["pcr"], valid["antigen"], valid["antibody"]) == (1, 0, 1)
    assert list(listed["number"]) == ["A-FUTURE", "A-REVOKED", "A-VALID", "A-EXPIRED"]  # newest first
    for role in ("mayor", "press", "checkpoint"):
        with pytest.raises(queries.QueryNotAllowed):
            queries.run("facility_authorizations", role, engine=issuer, registry_code="PKU-0001",
                        today=date(2026, 11, 27))


# ------------------------------------------------------------------------------------ the page

def t(key: str, **kwargs) -> str:
    return i18n.t(key, lang="id", **kwargs)


def open_page(role: str, facility: str = "PKU-0001") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/authorizations.py"), default_timeout=60)
    at.session_state["lang"] = "id"
    sign_in(at, role)
    at.query_params["facility"] = facility
    return at.run()


@pytest.mark.parametrize("role", ("health", "admin"))
def test_grant_and_revoke_through_the_page(page_city, role):
    at = open_page(role)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="authorization_facility").value == "PKU-0001"
    assert at.dataframe[0].value.empty
    at.text_input(key="authorization_number").input(HTML_ATTACK)
    at.date_input(key="authorization_from").set_value(date(2026, 11, 1))
    at.date_input(key="authorization_until").set_value(date(2026, 10, 1))
    click(at, t("authorizations.grant"))
    assert [e.value for e in at.error] == [t("registry.test_types_missing")]
    at.multiselect(key="authorization_test_types").set_value(["pcr", "antigen"])
    click(at, t("authorizations.grant"))
    assert [e.value for e in at.error] == [t("registry.dates_reversed")]
    assert at.text_input(key="authorization_number").value == HTML_ATTACK  # kept for the correction
    at.date_input(key="authorization_until").set_value(date(2027, 4, 30))
    click(at, t("authorizations.grant"))
    assert not at.error and [s.value for s in at.success] == [t("authorizations.granted", code="PKU-0001")]
    table = at.dataframe[0].value
    assert list(table[t("authorizations.column.number")]) == [HTML_ATTACK]
    assert list(table[t("authorizations.column.test_types")]) == ["PCR, Antigen"]
    assert list(table[t("authorizations.column.granted_by")]) == [f"t-{role}"]

    at.selectbox(key="authorization_revoke_number").set_value(HTML_ATTACK)
    click(at, t("authorizations.revoke"))
    assert [e.value for e in at.error] == [t("registry.reason_missing")]
    at.text_area(key="authorization_revoke_reason").input("Hasil tes tidak dapat dipertanggungjawabkan")
    click(at, t("authorizations.revoke"))
    assert [s.value for s in at.success] == [t("authorizations.revoked", code="PKU-0001")]
    assert list(at.dataframe[0].value[t("authorizations.column.status")]) == [t("authorizations.status.revoked")]
    assert [(u, d["op"]) for u, _, _, d in changes(page_city)] == [(f"t-{role}", "grant"), (f"t-{role}", "revoke")]


def test_the_page_refuses_other_roles(page_city):
    for role in ("mayor", "press", "checkpoint"):
        at = open_page(role)
        assert [e.value for e in at.error] == [t("page.not_allowed", role=t(f"role.{role}"))]
        assert not at.dataframe and not at.main.button
