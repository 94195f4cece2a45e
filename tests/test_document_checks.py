"""The fraud rules' document checks kept by the writers (casedb.document_checks), on SQLite and
PostgreSQL: documents arrive through ingestion and the authorisation registry in the awkward orders
real facilities send them (presentations before the certificate, a positive elsewhere after the
negative certificate, an authorisation granted and then revoked back to before the issue). After
every step the rules flag what is worked out by hand below, and the kept tables equal a full rebuild
from the raw rows."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text

from casedb import authorizations, rollups
from casedb.ingest import load
from casedb.users import User
from figures import fraud
from tests.test_ingest import PEPPER, csv_bytes
from tests.test_ingest_certificates import GOOD, MOVEMENTS_HEADER, load_lines
from tests.test_ingest_certificates import db  # noqa: F401 (the fixture: results_good.csv loaded)
from tests.test_queries_compliance import runner
from tests.test_queries_fraud import RESULT_HEADER

AUG_2021 = (date(2021, 8, 1), date(2021, 8, 31))
C1, C2, C3, C4 = (f"SKB-1471398-2108{n}" for n in ("03-0001", "02-0002", "03-0003", "02-0004"))
ISSUER = User("dinkes.satu", "Dinkes Satu", "health")
# Presentations at the airport: V1 is C1 shown by its holder (NIK ...0002), V2 the same number shown
# by NIK ...0001; V3 is C2 (PCR issued 2 Aug 08:00 WIB, valid 7 days) one minute after it ran out;
# V5 and V6 are C4 (antigen issued 2 Aug 11:00 WIB, valid 3 days) shown by its holder an hour after
# it ran out and at that very moment; V7 a number no facility issued.
MOVEMENTS = [MOVEMENTS_HEADER,
             f"V1;SSK2;1471014101850002;Masuk;05/08/2021 10:00;Pesawat;{C1};",
             f"V2;SSK2;1471010101900001;Masuk;05/08/2021 10:05;Pesawat;{C1};",
             f"V3;SSK2;1471010101900001;Masuk;09/08/2021 08:01;Pesawat;{C2};",
             f"V5;SSK2;1471010202950004;Keluar;05/08/2021 12:00;Pesawat;{C4};",
             f"V6;SSK2;1471010202950004;Keluar;05/08/2021 11:00;Pesawat;{C4};",
             "V7;SSK2;1471010202950004;Keluar;05/08/2021 11:00;Pesawat;SKB-TIDAK-ADA;"]
# NIK ...0002 (C1's holder, negative PCR certificate issued 3 Aug 09:00 WIB) positive at another
# facility on 1 Aug 10:00 WIB: within 7 days before the issue.
POSITIVE_ELSEWHERE = [RESULT_HEADER,
                      "P-1;1471022;1471014101850002;P;1985;Binawidya;;PCR;Diagnostik;31/07/2021 08:00;01/08/2021 10:00;"
                      "01/08/2021 12:00;Positif"]


def kept(conn) -> tuple[list, list]:
    certificates = conn.execute(text(
        "SELECT certificate_id, rule, day, reason, other_at, seconds FROM certificate_checks "
        "ORDER BY certificate_id, rule")).all()
    presentations = conn.execute(text(
        "SELECT movement_id, rule, day, certificate_number, person_key, reason FROM presentation_checks "
        "ORDER BY movement_id, rule")).all()
    return [tuple(r) for r in certificates], [tuple(r) for r in presentations]


def assert_kept_equals_a_full_rebuild(engine) -> None:
    with engine.connect() as conn:
        before = kept(conn)
        rollups.refresh(conn, *rollups.ALL_DAYS, rollups.DOCUMENT_CHECKS)
        rebuilt = kept(conn)
        conn.rollback()
    assert before == rebuilt


def flagged(engine) -> dict[int, dict[str, str]]:
    """rule -> {certificate number (rule 7: the movement's record number): reason}"""
    signals = fraud.signals(runner(engine), *AUG_2021, fraud.Thresholds())
    with engine.connect() as conn:
        record = dict(conn.execute(text("SELECT id, source_ref FROM movements")).all())
    out = {}
    for rule in (1, 2, 3, 4, 5, 7):
        items = signals.of_rule(rule)
        keys = [record[m] for m in items["movement_id"]] if rule == 7 else items["certificate_number"]
        out[rule] = dict(zip(keys, items["reason"]))
    return out


def test_every_writer_keeps_the_checks_of_the_documents_it_changes(db):  # noqa: F811
    # 1. The checkpoint's file arrives before any certificate: every number is unregistered, and
    #    C1's was shown by two people.
    load(db, "movements", csv_bytes(MOVEMENTS), pepper=PEPPER)
    assert flagged(db)[4] == {C1: "unregistered_number"}
    assert flagged(db)[7] == {}
    assert_kept_equals_a_full_rebuild(db)

    # 2. The issuer's certificates: the register now names C1's holder, so V2 is another person's
    #    presentation; V3 and V5 are past C2's and C4's validity; no authorisation covers any of them; C3 rests on
    #    another person's test (R2, a positive) and C4 certifies negative over R6's positive.
    load_lines(db, GOOD)
    got = flagged(db)
    assert got[4] == {C1: "other_presenter"}
    assert got[7] == {"V3": "after_expiry", "V5": "after_expiry"}
    assert got[1] == {c: "not_authorised" for c in (C1, C2, C3, C4)}
    assert got[2] == {C3: "other_person"}
    assert got[3] == {C3: "negative_over_positive", C4: "negative_over_positive"}
    assert got[5] == {}
    assert_kept_equals_a_full_rebuild(db)

    # 3. Dinkes records the issuer's authorisation for the whole year: rule 1 clears.
    authorizations.grant(db, "1471398", "440/T1", ["pcr", "antigen"], date(2021, 7, 1), date(2021, 12, 31), ISSUER)
    assert flagged(db)[1] == {}
    assert_kept_equals_a_full_rebuild(db)

    # 4. ... and revokes it from 2 Aug 09:00 WIB (02:00 UTC): C2 (issued 08:00 WIB) stays covered.
    authorizations.revoke(db, "440/T1", "izin dicabut", ISSUER, at=datetime(2021, 8, 2, 2, 0))
    assert flagged(db)[1] == {c: "revoked_before_issue" for c in (C1, C3, C4)}
    assert_kept_equals_a_full_rebuild(db)

    # 5. Another facility's positive PCR of C1's holder arrives after the negative certificate.
    assert load(db, "test_results", csv_bytes(POSITIVE_ELSEWHERE), file_name="lab.csv", pepper=PEPPER).accepted == 1
    items = fraud.signals(runner(db), *AUG_2021, fraud.Thresholds()).of_rule(5)
    assert list(zip(items["certificate_number"], items["other_facility_code"])) == [(C1, "1471022")]
    # With a window of one day the same positive (1 day 23 hours before) is outside.
    assert fraud.signals(runner(db), *AUG_2021, fraud.Thresholds(elsewhere_days=1)).of_rule(5).empty
    assert_kept_equals_a_full_rebuild(db)


@pytest.mark.parametrize("days, inside", [(7, True), (6, False)])
def test_rule_5s_window_is_applied_when_read(db, days, inside):  # noqa: F811
    """The kept seconds are compared with the setting on reading: changing FRAUD_ELSEWHERE_DAYS
    needs no rebuild. C1 is issued 6 days 23 hours after this positive."""
    load_lines(db, GOOD)
    late = [POSITIVE_ELSEWHERE[0], POSITIVE_ELSEWHERE[1].replace("31/07/2021 08:00", "26/07/2021 08:00")
            .replace("01/08/2021 10:00", "27/07/2021 10:00").replace("01/08/2021 12:00", "27/07/2021 12:00")]
    assert load(db, "test_results", csv_bytes(late), file_name="lab.csv", pepper=PEPPER).accepted == 1
    items = fraud.signals(runner(db), *AUG_2021, fraud.Thresholds(elsewhere_days=days)).of_rule(5)
    assert list(items["certificate_number"]) == ([C1] if inside else [])
