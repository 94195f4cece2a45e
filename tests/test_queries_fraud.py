"""Fraud signals (DESIGN section 3, "Health documents", rules 1-7) on SQLite and PostgreSQL: each
rule's query against a small fixture whose flagged items are worked out by hand below (with the edge
cases: a revocation at the very moment of issue, exactly 7 days, a certificate presented by two
persons), certificates loaded through ingestion (a forged file; a certificate that arrives before
its test), the weekly trend, the XLSX export; and every rule scored against the demo city's
labelled ground truth (precision and recall at least 0.9)."""
from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta
from io import BytesIO

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

import queries
from casedb import reference, rollups, schema
from casedb.data_version import bump
from casedb.ingest import load
from casedb.wib import wib_day
from figures import fraud
from figures import fraud_export
from tests.test_ingest import PEPPER, csv_bytes
from tests.test_queries_compliance import _region, runner

TH = fraud.Thresholds()  # 7 days; 100 tests at 0.01; 3x the 28-day median, at least 10
KEC, KEL = "14.71.01", "14.71.01.1001"
AUG = (date(2026, 8, 1), date(2026, 8, 31))  # 1 Aug 2026 is a Saturday
# A (1): authorised for PCR and antigen all 2026. B (2): never authorised. C (3): antigen, revoked
# 10 Aug 2026 03:00 UTC (10:00 WIB). D (4): PCR only.
FACILITIES = {"A": 1, "B": 2, "C": 3, "D": 4}
REVOKED = datetime(2026, 8, 10, 3, 0)
AUTHORISATIONS = [("A", None, ("pcr", "antigen")), ("C", REVOKED, ("antigen",)), ("D", None, ("pcr",))]
PERSONS = ("p1", "p2", "p3", "p4", "p5", "p6")


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, second)


# Tests: (id, facility, person, type, result_at, result)
TESTS = [
    (1, "A", "p1", "antigen", utc(5, 2), "negative"),   # behind C-OK
    (2, "B", "p1", "antigen", utc(5, 2), "negative"),   # behind C-NOAUTH
    (3, "C", "p1", "antigen", utc(12, 1), "negative"),  # behind C-REVOKED
    (4, "C", "p1", "antigen", utc(10, 2), "negative"),  # behind C-BEFOREREV and C-ATREV
    (5, "D", "p1", "antigen", utc(6, 2), "negative"),   # behind C-DANTIGEN
    (6, "A", "p2", "antigen", utc(7, 2), "negative"),   # p2's test, behind p1's C-OTHER
    (7, "A", "p1", "pcr", utc(8, 2, 1), "negative"),    # result one minute after C-EARLY
    (8, "A", "p2", "pcr", utc(9, 2), "positive"),       # behind C-NEGPOS
    (9, "A", "p1", "pcr", utc(11, 2), "negative"),      # behind C-SAME (issued at its result)
    (10, "A", "p5", "pcr", utc(1, 2), "positive"),      # p5 positive at A
    (11, "D", "p5", "pcr", utc(8, 1), "negative"),      # behind C-7D
    (12, "A", "p6", "antigen", utc(1, 2), "positive"),  # p6 positive at A
    (13, "D", "p6", "pcr", utc(8, 1), "negative"),      # behind C-7D1S
    (14, "A", "p5", "pcr", utc(3, 1), "negative"),      # behind C-SAMEFAC
    (15, "B", "p4", "antibody", utc(2, 2), "positive"),  # an antibody positive: not rule 5
    (16, "D", "p4", "pcr", utc(4, 1), "negative"),      # behind C-ANTIBODY
    (17, "A", "p3", "pcr", utc(14, 1), "negative"),     # behind C-SHARED, C-SELF
]
# Certificates: (number, facility, person, test id, test_ref, type, certified, issued_at, valid_until)
CERTIFICATES = [
    ("C-OK", "A", "p1", 1, None, "antigen", "negative", utc(5, 3), utc(8, 3)),
    ("C-NOAUTH", "B", "p1", 2, None, "antigen", "negative", utc(5, 3), utc(8, 3)),
    ("C-REVOKED", "C", "p1", 3, None, "antigen", "negative", utc(12, 2), utc(15, 2)),
    ("C-BEFOREREV", "C", "p1", 4, None, "antigen", "negative", utc(10, 2, 59, 59), utc(13, 3)),
    ("C-ATREV", "C", "p1", 4, None, "antigen", "negative", REVOKED, utc(13, 3)),
    ("C-DANTIGEN", "D", "p1", 5, None, "antigen", "negative", utc(6, 3), utc(9, 3)),
    ("C-NOTEST", "A", "p1", None, "S-404", "antigen", "negative", utc(7, 3), utc(10, 3)),
    ("C-OTHER", "A", "p1", 6, None, "antigen", "negative", utc(7, 3), utc(10, 3)),
    ("C-EARLY", "A", "p1", 7, None, "pcr", "negative", utc(8, 2), utc(15, 2)),
    ("C-NEGPOS", "A", "p2", 8, None, "pcr", "negative", utc(9, 3), utc(16, 3)),
    ("C-SAME", "A", "p1", 9, None, "pcr", "negative", utc(11, 2), utc(18, 2)),
    ("C-7D", "D", "p5", 11, None, "pcr", "negative", utc(8, 2), utc(15, 2)),        # exactly 7 x 24 h after
    ("C-7D1S", "D", "p6", 13, None, "pcr", "negative", utc(8, 2, 0, 1), utc(15, 2)),  # one second more
    ("C-SAMEFAC", "A", "p5", 14, None, "pcr", "negative", utc(3, 2), utc(10, 2)),   # positive at the same facility
    ("C-ANTIBODY", "D", "p4", 16, None, "pcr", "negative", utc(4, 2), utc(11, 2)),
    ("C-SHARED", "A", "p3", 17, None, "pcr", "negative", utc(14, 2), utc(21, 2)),
    ("C-SELF", "A", "p3", 17, None, "pcr", "negative", utc(14, 2), utc(21, 2)),
]
# Movements: (id, person, certificate number, at). Entry point 1.
MOVEMENTS = [
    (1, "p3", "C-SHARED", utc(15, 1)),
    (2, "p4", "C-SHARED", utc(16, 1)),     # a second person: rule 4
    (3, "p3", "C-SELF", utc(15, 2)),
    (4, "p3", "C-SELF", utc(17, 2)),       # the holder twice: not rule 4
    (5, "p4", "C-SELF", utc(1, 23)),      # 1 Aug 23:00 UTC is 2 Aug WIB
    (6, "p5", "X-UNREG", utc(20, 1)),
    (7, "p6", "X-UNREG", utc(20, 2)),      # an unregistered number, two presenters: rule 4
    (8, "p5", "X-ALONE", utc(20, 3)),
    (9, "p5", "X-ALONE", utc(21, 3)),      # unregistered, one presenter: not rule 4
    (10, "p1", "C-OK", utc(8, 3)),         # at valid_until exactly: not expired
    (11, "p1", "C-OK", utc(8, 3, 0, 1)),   # one second after: rule 7
]


def write_places(conn) -> None:
    """The kelurahan and the four facilities every fixture here uses."""
    conn.execute(insert(schema.regions), [_region(KEC, "kecamatan", None), _region(KEL, "kelurahan", KEC)])
    conn.execute(insert(schema.facilities), [
        dict(id=fid, registry_code=f"F-{code}", name=f"Faskes {code}", type="clinic", kelurahan_code=KEL, lat=0.5,
             lon=101.4, opened_on=date(2020, 1, 1), reports_daily=True, is_synthetic=True, source="test")
        for code, fid in FACILITIES.items()])


def write_fixture(engine) -> None:
    with engine.begin() as conn:
        write_places(conn)
        for n, (code, revoked_at, types) in enumerate(AUTHORISATIONS, start=1):
            conn.execute(insert(schema.authorizations).values(
                id=n, facility_id=FACILITIES[code], number=f"440/{n}", valid_from=date(2026, 1, 1),
                valid_until=date(2026, 12, 31), revoked_at=revoked_at, granted_by="test"))
            conn.execute(insert(schema.authorization_test_types), [dict(authorization_id=n, test_type=t) for t in types])
        conn.execute(insert(schema.persons), [dict(person_key=p, is_resident=True, home_kelurahan_code=KEL)
                                              for p in PERSONS])
        conn.execute(insert(schema.entry_points).values(id=1, code="EP1", name="Bandara SSK II", type="airport",
                                                        lat=0.46, lon=101.44, coord_is_approximate=False, source="test"))
        for tid, code, person, kind, result_at, result in TESTS:
            conn.execute(insert(schema.test_results).values(
                id=tid, facility_id=FACILITIES[code], person_key=person, test_type=kind, purpose="travel",
                specimen_at=result_at - timedelta(hours=1), result_at=result_at, reported_at=result_at,
                result_day=wib_day(result_at), result=result, source_ref=f"T{tid}"))
        for number, code, person, tid, ref, kind, certified, issued_at, valid_until in CERTIFICATES:
            conn.execute(insert(schema.certificates).values(
                number=number, check_code="ABC", facility_id=FACILITIES[code], test_result_id=tid, test_ref=ref,
                person_key=person, test_type=kind, certified_result=certified, issued_at=issued_at,
                issued_day=wib_day(issued_at), valid_until=valid_until))
        for mid, person, number, at in MOVEMENTS:
            conn.execute(insert(schema.movements).values(
                id=mid, person_key=person, entry_point_id=1, direction="in", at=at, day=wib_day(at), mode="air",
                certificate_number=number, document_status="valid", source_ref=f"M{mid}"))
        # Rows written directly, as the demo city writes them: its full rebuild judges the documents.
        rollups.refresh(conn, *rollups.ALL_DAYS, rollups.DOCUMENT_CHECKS)
        bump(conn)


@pytest.fixture
def db(empty_db):
    write_fixture(empty_db)
    return empty_db


def flagged(engine, rule: int, period=AUG, th=TH) -> dict:
    """certificate number (movement id for rule 7) -> reason, for one rule over the period."""
    items = fraud.signals(runner(engine), *period, th).of_rule(rule)
    key = "movement_id" if rule == 7 else "certificate_number"
    return dict(zip(items[key], items["reason"]))


def test_rule1_issuer_without_authorisation_at_the_moment_of_issue(db):
    # B never authorised; D holds PCR, not antigen; C's authorisation was revoked at 03:00:00 UTC on
    # 10 Aug: issued at that very moment or later is not covered, one second before is.
    assert flagged(db, 1) == {"C-NOAUTH": "not_authorised", "C-DANTIGEN": "not_authorised",
                              "C-ATREV": "revoked_before_issue", "C-REVOKED": "revoked_before_issue"}
    items = fraud.signals(runner(db), *AUG, TH).of_rule(1).set_index("certificate_number")
    assert items.at["C-REVOKED", "other_at"] == pd.Timestamp(REVOKED)
    assert items.at["C-REVOKED", "facility_code"] == "F-C" and items.at["C-REVOKED", "test_ref"] == "T3"


def test_rule2_no_test_or_another_persons_test(db):
    assert flagged(db, 2) == {"C-NOTEST": "no_test", "C-OTHER": "other_person"}
    items = fraud.signals(runner(db), *AUG, TH).of_rule(2).set_index("certificate_number")
    assert items.at["C-NOTEST", "test_ref"] == "S-404" and pd.isna(items.at["C-NOTEST", "test_at"])
    assert items.at["C-OTHER", "test_ref"] == "T6"


def test_rule3_before_the_result_or_negative_over_positive(db):
    # C-EARLY one minute before its result; C-SAME at the very moment of its result is not before it.
    assert flagged(db, 3) == {"C-EARLY": "issued_before_result", "C-NEGPOS": "negative_over_positive"}


def test_rule4_a_number_presented_by_more_than_one_person(db):
    items = fraud.signals(runner(db), *AUG, TH).of_rule(4).set_index("certificate_number")
    # C-SELF: its holder twice and p4 once (2 Aug WIB): p4 is a second person. X-ALONE: one presenter.
    assert dict(items["reason"]) == {"C-SHARED": "other_presenter", "C-SELF": "other_presenter",
                                     "X-UNREG": "unregistered_number"}
    assert items.loc["C-SHARED", ["persons", "presentations", "measure"]].tolist() == [2, 2, 1]
    assert items.loc["C-SELF", ["persons", "presentations", "measure"]].tolist() == [2, 3, 1]
    assert items.loc["X-UNREG", ["persons", "presentations"]].tolist() == [2, 2]
    assert items.at["C-SELF", "day"] == pd.Timestamp("2026-08-02") and items.at["C-SHARED", "entry_point"] == \
        "Bandara SSK II"
    # Without p4's presentation (1 Aug 23:00 UTC is 2 Aug WIB), C-SELF is its holder's alone.
    assert "C-SELF" not in flagged(db, 4, (date(2026, 8, 3), date(2026, 8, 31)))


def test_rule5_negative_elsewhere_within_exactly_seven_days(db):
    # C-7D exactly 7 x 24 h after p5's positive at A: flagged; C-7D1S one second later: not.
    # C-SAMEFAC is from the facility of the positive; C-ANTIBODY follows an antibody positive.
    assert flagged(db, 5) == {"C-7D": "negative_elsewhere"}
    item = fraud.signals(runner(db), *AUG, TH).of_rule(5).iloc[0]
    assert (item["other_facility_code"], item["other_at"]) == ("F-A", pd.Timestamp(utc(1, 2)))
    # With an 8-day window C-7D1S is flagged too.
    assert set(flagged(db, 5, th=fraud.Thresholds(elsewhere_days=8))) == {"C-7D", "C-7D1S"}


def test_rule7_presented_after_expiry(db):
    # At valid_until exactly: still valid; one second later: expired.
    assert flagged(db, 7) == {11: "after_expiry"}
    item = fraud.signals(runner(db), *AUG, TH).of_rule(7).iloc[0]
    assert item["certificate_number"] == "C-OK" and item["measure"] == pytest.approx(1 / 3600)


def test_counts_and_weekly_trend(db):
    signals = fraud.signals(runner(db), *AUG, TH)
    assert signals.counts() == {1: 4, 2: 2, 3: 2, 4: 3, 5: 1, 6: 0, 7: 1}
    weekly = signals.weekly().set_index(["week_start", "rule"])["items"]
    # Weeks from Monday 27 Jul. Rule 1: 5 Aug (C-NOAUTH), 6 Aug (C-DANTIGEN) in the week of 3 Aug;
    # 10 Aug (C-ATREV) and 12 Aug (C-REVOKED) in the week of 10 Aug.
    assert weekly[(pd.Timestamp("2026-08-03"), 1)] == 2 and weekly[(pd.Timestamp("2026-08-10"), 1)] == 2
    # Rule 4 is dated by its first presentation: C-SELF 2 Aug (week of 27 Jul), C-SHARED 15 Aug, X-UNREG 20 Aug.
    assert [weekly[(pd.Timestamp(w), 4)] for w in ("2026-07-27", "2026-08-03", "2026-08-10", "2026-08-17")] == \
        [1, 0, 1, 1]
    assert weekly.groupby(level="rule").sum().to_dict() == {1: 4, 2: 2, 3: 2, 4: 3, 5: 1, 6: 0, 7: 1}
    assert len(weekly) == 6 * 7  # weeks of 27 Jul .. 31 Aug, every rule


# --------------------------------------------------------------------------- rule 6

def write_rule6(engine) -> None:
    """Antigen counts per facility for the positivity test, and daily certificates for the jumps."""
    with engine.begin() as conn:
        write_places(conn)
        # (facility, tests, positives) on 10 Aug: A 40/200, D 38/200, C 2/200, B 0/50 (too few).
        conn.execute(insert(schema.daily_facility_tests), [
            dict(day=date(2026, 8, 10), facility_id=FACILITIES[code], test_type="antigen", tests=n, positives=k,
                 negatives=n - k) for code, n, k in (("A", 200, 40), ("D", 200, 38), ("C", 200, 2), ("B", 50, 0))])
        zeros = {f"{p}_{k}": 0 for p in ("sr", "rr") for k in range(schema.LATENCY_BUCKETS)}
        daily = {}  # (facility, day) -> certificates
        for offset in range(59):  # A: 2 a day from 4 Jul to 31 Aug
            daily[("A", date(2026, 7, 4) + timedelta(days=offset))] = 2
        daily[("A", date(2026, 8, 20))] = 7    # above 3 x 2 but below 10
        daily[("A", date(2026, 8, 25))] = 10   # a jump
        daily[("A", date(2026, 8, 26))] = 6    # exactly 3 x 2: not above
        daily[("D", date(2026, 8, 15))] = 12   # a facility that never issued: median 0
        conn.execute(insert(schema.daily_facility_compliance), [
            dict(day=day, facility_id=FACILITIES[code], test_type="pcr", results=n, positives=0, certificates=n, **zeros)
            for (code, day), n in daily.items()])
        # As a writer of certificates does: the per-day report rollup follows the compliance rollup.
        rollups.refresh(conn, min(day for _, day in daily), max(day for _, day in daily), ("daily_facility_report",))
        bump(conn)


@pytest.fixture
def rule6_db(empty_db):
    write_rule6(empty_db)
    return empty_db


def test_rule6_implausibly_low_positivity_and_volume_jumps(rule6_db):
    items = fraud.signals(runner(rule6_db), *AUG, TH).of_rule(6)
    low = items[items["reason"] == "low_positivity"].set_index("facility_code")
    # C: 2 of 200 against the others' (40 + 38 + 0) / 450 = 17.3%: P(X <= 2) ~ 1e-13, far below 0.01 / 3
    # (three facilities with at least 100 tests). A and D lie above the rest of the city; B has 50 tests.
    assert list(low.index) == ["F-C"]
    assert low.at["F-C", "measure"] == pytest.approx(0.01) and low.at["F-C", "baseline"] == pytest.approx(78 / 450)
    assert low.at["F-C", "day"] == pd.Timestamp("2026-08-31")
    jumps = items[items["reason"] == "volume_jump"]
    assert sorted(zip(jumps["facility_code"], jumps["day"].dt.strftime("%d"), jumps["measure"], jumps["baseline"])) == [
        ("F-A", "25", 10.0, 2.0), ("F-D", "15", 12.0, 0.0)]
    # At least 5 a day: 20 Aug's 7 is a jump too.
    loose = fraud.signals(runner(rule6_db), *AUG, fraud.Thresholds(volume_min=5)).of_rule(6)
    assert sorted(loose.loc[loose["reason"] == "volume_jump", "day"].dt.day) == [15, 20, 25]
    assert fraud.signals(runner(rule6_db), *AUG, TH).counts()[6] == 3  # C, A and D, each once


def test_binomial_lower_tail_by_hand():
    assert fraud.binomial_lower_tail(0, 10, 0.5) == pytest.approx(1 / 1024)
    assert fraud.binomial_lower_tail(1, 3, 0.5) == pytest.approx(0.5)
    assert fraud.binomial_lower_tail(2, 4, 0.25) == pytest.approx((81 + 108 + 54) / 256)
    assert fraud.binomial_lower_tail(5, 5, 0.3) == pytest.approx(1.0)


# --------------------------------------------------------------------------- export and bad input

def test_xlsx_export_has_indonesian_headers_every_item_and_the_definitions(db):
    signals = fraud.signals(runner(db), *AUG, TH)
    book = openpyxl.load_workbook(BytesIO(fraud_export.to_xlsx(signals)))
    data, definitions = book[fraud_export.SHEET], book[fraud_export.DEFINITIONS_SHEET]
    header = [c.value for c in data[1]]
    assert header == ["Aturan", "Tanggal", "Waktu (WIB)", "Alasan", "Kode faskes", "Faskes", "Nomor surat",
                      "Nomor sampel", "Hasil pemeriksaan (WIB)", "Bukti"]
    rows = [[c.value for c in row] for row in data.iter_rows(min_row=2)]
    assert len(rows) == len(signals.items) == 13
    revoked = next(r for r in rows if r[6] == "C-REVOKED")
    assert revoked[0] == "1 · Penerbit tanpa rekomendasi" and revoked[3] == "rekomendasi dicabut sebelum terbit"
    assert (revoked[1], revoked[2], revoked[7]) == ("12 Agu 2026", "12 Agu 2026, 09:00 WIB", "T3")
    assert revoked[9] == "dicabut 10 Agu 2026, 10:00 WIB"
    text = {r[0].value: r[1].value for r in definitions.iter_rows(min_row=2)}
    assert text["Periode"] == "2026-08-01 s.d. 2026-08-31"
    assert "7 hari" in text["5 · Negatif di tempat lain setelah positif"]
    assert len([k for k in text if k[0].isdigit()]) == 7
    # Nothing of a person: no person key in any cell.
    assert not any(p in str(cell) for row in rows for cell in row for p in ("p1", "p5"))


@pytest.mark.parametrize("period, key", [
    ((date(2026, 8, 31), date(2026, 8, 1)), "compliance.error.reversed"),
    ((date(2024, 1, 1), date(2026, 8, 1)), "compliance.error.too_long"),
])
def test_a_period_the_page_cannot_show_is_refused_with_a_message(db, period, key):
    with pytest.raises(fraud.PeriodError) as raised:
        fraud.signals(runner(db), *period, TH)
    assert raised.value.key == key


def test_only_health_runs_the_rule_queries(db):
    for name in (*fraud.QUERIES.values(), *fraud.RULE6_QUERIES):
        params = {p: 7 if p == "days" else AUG[0] for p in queries.load(name, "sqlite").params}
        for role in ("mayor", "press", "admin", "checkpoint"):
            with pytest.raises(queries.QueryNotAllowed):
                queries.run(name, role, engine=db, **params)


# --------------------------------------------------------------------------- through ingestion

CERT_HEADER = ("Nomor Sertifikat;Kode Faskes;No Sampel;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;"
               "Jenis Pemeriksaan;Jenis Surat;Tanggal Terbit;Berlaku Sampai;Tanggal Dicabut")
RESULT_HEADER = ("No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Kode Wilayah Domisili;"
                 "Jenis Pemeriksaan;Tujuan Pemeriksaan;Tanggal Pengambilan Spesimen;Tanggal Hasil;Tanggal Lapor;Hasil")


@pytest.fixture
def ingest_db(empty_db, monkeypatch):
    monkeypatch.setenv("CERTIFICATE_KEY", "test-certificate-key")
    with empty_db.begin() as conn:
        reference.load(conn)
    return empty_db


def test_a_forged_file_loaded_through_ingestion_is_flagged_by_rule_2(ingest_db):
    forged = [CERT_HEADER,
              "PALSU-001;1471398;X-404;1471019999990001;L;1979;14.71.08.1010;Antigen;Negatif;03/08/2026 09:00;;",
              "PALSU-002;1471398;;1471019999990002;P;1982;;Antigen;Bebas COVID-19;03/08/2026 09:05;;"]
    summary = load(ingest_db, "certificates", csv_bytes(forged), file_name="palsu.csv", pepper=PEPPER)
    assert (summary.rows_in, summary.accepted, summary.rejected) == (2, 2, 0)
    items = fraud.signals(runner(ingest_db), *AUG, TH).of_rule(2)
    assert sorted(zip(items["certificate_number"], items["reason"], items["test_ref"].fillna(""))) == [
        ("PALSU-001", "no_test", "X-404"), ("PALSU-002", "no_test", "")]
    assert set(items["facility_code"]) == {"1471398"}


def test_a_certificate_loaded_before_its_test_is_linked_when_the_test_arrives(ingest_db):
    certificate = [CERT_HEADER,
                   "SKB-1;1471398;L-77;1471010101900001;L;1990;14.71.08.1010;PCR;Negatif;03/08/2026 12:00;;",
                   "SKB-2;1471398;L-78;1471010101900001;L;1990;14.71.08.1010;PCR;Negatif;03/08/2026 12:00;;"]
    load(ingest_db, "certificates", csv_bytes(certificate), file_name="c.csv", pepper=PEPPER)
    assert set(fraud.signals(runner(ingest_db), *AUG, TH).of_rule(2)["certificate_number"]) == {"SKB-1", "SKB-2"}
    # The test behind SKB-1 arrives a day later, with another facility's L-78 (not SKB-2's: its issuer's).
    results = [RESULT_HEADER,
               "L-77;1471398;1471010101900001;L;1990;14.71.08.1010;;PCR;Perjalanan;03/08/2026 08:00;03/08/2026 11:00;"
               "04/08/2026 09:00;Negatif",
               "L-78;1471022;1471010101900001;L;1990;14.71.08.1010;;PCR;Perjalanan;03/08/2026 08:00;03/08/2026 11:00;"
               "04/08/2026 09:00;Negatif"]
    summary = load(ingest_db, "test_results", csv_bytes(results), file_name="r.csv", pepper=PEPPER)
    assert summary.accepted == 2
    items = fraud.signals(runner(ingest_db), *AUG, TH)
    assert list(items.of_rule(2)["certificate_number"]) == ["SKB-2"]
    assert items.of_rule(3).empty  # its result came an hour before issue: nothing for rule 3
    with ingest_db.connect() as conn:
        linked = pd.read_sql("SELECT c.number, r.source_ref FROM certificates c JOIN test_results r "
                             "ON r.id = c.test_result_id", conn)
    assert linked.values.tolist() == [["SKB-1", "L-77"]]


# --------------------------------------------------------------------------- the demo city

# The ground truth's kinds each rule is meant to find, and the entity it flags.
KINDS = {1: {"unauthorized_issuer"}, 2: {"no_matching_test", "result_of_other_person"},
         3: {"issued_before_result", "negative_over_positive"}, 4: {"shared_certificate_number"},
         5: {"positive_then_negative_elsewhere"}, 6: {"implausible_negatives", "issuing_volume_spike"},
         7: {"presented_after_expiry"}}
ID_COLUMN = {"certificate": "certificate_id", "facility": "facility_id", "movement": "movement_id"}
SCORES: dict[str, list[tuple]] = {}


def test_every_rule_scored_against_the_demo_citys_ground_truth(small_city, capsys):
    """The whole history as the period; a rule's items are compared with the labelled entities of its
    kinds. Precision: flagged items that are labelled so; recall: labelled items that are flagged."""
    with small_city.connect() as conn:
        truth = pd.read_sql("SELECT entity, entity_id, kind FROM demo_ground_truth", conn)
        span = pd.read_sql("SELECT MIN(result_day) AS first, MAX(result_day) AS last FROM test_results", conn)
    first, last = pd.Timestamp(span.at[0, "first"]).date(), pd.Timestamp(span.at[0, "last"]).date()
    signals = fraud.signals(runner(small_city), first, last, TH)
    backend = small_city.dialect.name
    rows = []
    for rule in fraud.RULES:
        entity = fraud.ENTITY[rule]
        found = set(signals.of_rule(rule)[ID_COLUMN[entity]].dropna().astype(int).astype(str))
        wanted = set(truth.loc[(truth["entity"] == entity) & truth["kind"].isin(KINDS[rule]), "entity_id"])
        hits = len(found & wanted)
        precision = hits / len(found) if found else 0.0
        recall = hits / len(wanted) if wanted else 0.0
        rows.append((rule, len(wanted), len(found), hits, precision, recall))
    SCORES[backend] = rows
    with capsys.disabled():
        print(f"\nfraud rules against demo_ground_truth, small city, {backend}, {first}..{last}")
        print("| rule | labelled | flagged | both | precision | recall |")
        print("|---|---|---|---|---|---|")
        for rule, wanted, found, hits, precision, recall in rows:
            print(f"| {rule} | {wanted} | {found} | {hits} | {precision:.3f} | {recall:.3f} |")
    for rule, wanted, found, hits, precision, recall in rows:
        assert wanted > 0, f"the small city has no fraud of rule {rule}"
        assert precision >= 0.9 and recall >= 0.9, (rule, precision, recall)


def test_the_pages_runner_that_starts_every_rule_together_gives_the_same_signals(db):
    """pages/fraud.py's runner starts the nine queries together (figures.common.prefetch) and reads
    each once; the signals are those of a runner that runs them one by one."""
    from tests.test_query_runner import one_by_one_and_together

    one_by_one, together, executed = one_by_one_and_together(db, fraud.signals, *AUG, TH)
    pd.testing.assert_frame_equal(together.items, one_by_one.items)
    for name in (*fraud.QUERIES.values(), *fraud.RULE6_QUERIES):
        threads = executed.of_query(name)
        assert len(threads) == 1 and threads[0].startswith("query"), (name, threads)


def test_certificates_loaded_through_ingestion_count_in_the_issuing_volume(ingest_db):
    """A certificate file refreshes the per-day report rollup that rule 6's volume reads: 12 in one
    day from a facility that issued none in the 28 days before (median 0) is a jump; 9 the next
    day is below FRAUD_VOLUME_MIN."""
    rows = [CERT_HEADER]
    for k, (day, count) in enumerate(((15, 12), (16, 9))):
        rows += [f"VOL-{day}-{n};1471398;;14710101019{k}{n:04d};L;1990;14.71.08.1010;Antigen;Negatif;"
                 f"{day}/08/2026 10:00;;" for n in range(count)]
    summary = load(ingest_db, "certificates", csv_bytes(rows), file_name="banyak.csv", pepper=PEPPER)
    assert (summary.rows_in, summary.accepted) == (21, 21)
    volume = queries.run("fraud_rule6_volume", "health", engine=ingest_db, history_start=date(2026, 7, 4),
                         start=AUG[0], end=AUG[1], at_least=TH.volume_min)
    assert list(zip(volume["day"].dt.day, volume["certificates"])) == [(15, 12), (16, 9)]
    jumps = fraud.signals(runner(ingest_db), *AUG, TH).of_rule(6)
    assert list(zip(jumps["facility_code"], jumps["day"].dt.day, jumps["measure"])) == [("1471398", 15, 12.0)]


def _volume_jumps_one_by_one(daily: pd.DataFrame, start: date, end: date, th) -> list[tuple]:
    """Rule 6's volume jumps walked day by day in plain Python: the median of the volume_days days
    before each day of the period (days without a row count 0)."""
    counts = {(r.facility_id, r.day): r.certificates for r in daily.itertuples()}
    out = []
    for facility in sorted(set(daily["facility_id"])):
        day = start
        while day <= end:
            history = [counts.get((facility, day - timedelta(days=k)), 0) for k in range(1, th.volume_days + 1)]
            median = statistics.median(history)
            today = counts.get((facility, day), 0)
            if today > th.volume_jump * median and today >= th.volume_min:
                out.append((facility, day, float(today), float(median)))
            day += timedelta(days=1)
    return sorted(out)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(1, 4), st.integers(-40, 9), st.integers(0, 40)), max_size=120),
       volume_days=st.integers(3, 10), jump=st.sampled_from([1.5, 2.0, 3.0]), at_least=st.integers(1, 12))
def test_volume_jumps_equal_a_day_by_day_walk(rows, volume_days, jump, at_least):
    """The vectorised medians of figures.fraud.volume_jumps against statistics.median, day by day."""
    start, end = date(2026, 9, 1), date(2026, 9, 10)
    th = fraud.Thresholds(volume_jump=jump, volume_days=volume_days, volume_min=at_least)
    first = start - timedelta(days=volume_days)
    latest = {(f, start + timedelta(days=d)): n for f, d, n in rows if start + timedelta(days=d) >= first}
    daily = pd.DataFrame([{"facility_id": f, "facility_code": f"F{f}", "facility_name": f"Facility {f}", "day": d,
                           "certificates": n} for (f, d), n in sorted(latest.items())],
                         columns=["facility_id", "facility_code", "facility_name", "day", "certificates"])
    found = fraud.volume_jumps(daily, start, end, th)
    got = sorted((int(r.facility_id), pd.Timestamp(r.day).date(), float(r.measure), float(r.baseline))
                 for r in found.itertuples())
    assert got == _volume_jumps_one_by_one(daily, start, end, th)
