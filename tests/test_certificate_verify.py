"""Verification of certificates that came in through ingestion, on SQLite and PostgreSQL: every
status the register gives, worked out by hand (including a forged check code and an issuer whose
authorisation was revoked before issue), only sex and birth year of the holder; the QR code read from
a photo of a screen; the page as an officer, with rate limiting counted in the audit log; the QR
code made by the health office (page and command line)."""
from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from PIL import Image, ImageEnhance, ImageFilter
from sqlalchemy import insert, select, text
from streamlit.testing.v1 import AppTest

import queries
from casedb import certificates as register
from casedb import reference, schema
from casedb.ingest import load
from tests.sessions import sign_in
from tests.test_certificate_check import PAGE
from tests.test_ingest import PEPPER, csv_bytes
from ui import certificates as verification
from ui import i18n

KEY = "test-certificate-key"
# 4 Aug 2021 00:00 WIB.
CHECKED = datetime(2021, 8, 3, 17, 0)
RESULTS = [
    "No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
    "Tanggal Pengambilan Spesimen;Tanggal Hasil;Hasil",
    "T-NEG;1471398;1471014101850002;P;1985;Binawidya;Antigen;03/08/2021 07:00;03/08/2021 08:00;Negatif",
    "T-POS;1471398;1471010101900001;L;1990;Binawidya;Antigen;03/08/2021 07:00;03/08/2021 08:10;Positif",
    "T-OTHER;1471398;1471010303000005;L;2000;Binawidya;PCR;02/08/2021 07:00;02/08/2021 20:00;Negatif",
    "T-U;1471022;1471014101850002;P;1985;Binawidya;Antigen;03/08/2021 07:00;03/08/2021 08:00;Negatif",
]
CERTIFICATES = [
    "Nomor Sertifikat;Kode Faskes;No Sampel;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
    "Jenis Surat;Tanggal Terbit;Berlaku Sampai;Tanggal Dicabut",
    "SKB-VALID;1471398;T-NEG;1471014101850002;P;1985;Binawidya;Antigen;Negatif;03/08/2021 09:00;;",
    "SKB-EXPIRED;1471398;T-NEG;1471014101850002;P;1985;Binawidya;Antigen;Negatif;03/08/2021 09:00;03/08/2021 12:00;",
    "SKB-REVOKED;1471398;T-NEG;1471014101850002;P;1985;Binawidya;Antigen;Negatif;03/08/2021 09:00;;03/08/2021 15:00",
    # 1471022's antigen authorisation was revoked on 2 Aug, the day before it issued this.
    "SKB-UNAUTH;1471022;T-U;1471014101850002;P;1985;Binawidya;Antigen;Negatif;03/08/2021 09:00;;",
    "SKB-NOTEST;1471398;X-404;1471014101850002;P;1985;Binawidya;Antigen;Negatif;03/08/2021 09:00;;",
    "SKB-OVERPOS;1471398;T-POS;1471010101900001;L;1990;Binawidya;Antigen;Negatif;03/08/2021 09:00;;",
    "SKB-OTHERS;1471398;T-OTHER;1471014101850002;P;1985;Binawidya;PCR;Negatif;03/08/2021 09:00;;",
]
EXPECTED = {"SKB-VALID": "valid", "SKB-EXPIRED": "expired", "SKB-REVOKED": "revoked",
            "SKB-UNAUTH": "issuer_unauthorized", "SKB-NOTEST": "no_test_result", "SKB-OVERPOS": "result_mismatch",
            "SKB-OTHERS": "result_mismatch"}


def grant(conn, registry_code: str, number: str, test_types: tuple[str, ...], revoked_at: datetime | None = None):
    facility = conn.execute(select(schema.facilities.c.id).where(
        schema.facilities.c.registry_code == registry_code)).scalar_one()
    auth_id = conn.execute(insert(schema.authorizations).values(
        facility_id=facility, number=number, valid_from=date(2021, 7, 1), valid_until=date(2021, 12, 31),
        revoked_at=revoked_at, granted_by="test")).inserted_primary_key[0]
    for test_type in test_types:
        conn.execute(insert(schema.authorization_test_types).values(authorization_id=auth_id, test_type=test_type))


@pytest.fixture
def city(empty_db, monkeypatch):
    monkeypatch.setenv("CERTIFICATE_KEY", KEY)
    with empty_db.begin() as conn:
        reference.load(conn)
        grant(conn, "1471398", "REK-1", ("pcr", "antigen"))
        grant(conn, "1471022", "REK-2", ("antigen",), revoked_at=datetime(2021, 8, 2, 3, 0))
    assert load(empty_db, "test_results", csv_bytes(RESULTS), pepper=PEPPER).accepted == 4
    assert load(empty_db, "certificates", csv_bytes(CERTIFICATES), pepper=PEPPER).accepted == 7
    queries.clear_cache()
    return empty_db


def verify(engine, number: str, code: str) -> dict:
    return queries.run("certificate_verify", "checkpoint", engine=engine, number=number, check_code=code,
                       at=CHECKED).iloc[0].to_dict()


@pytest.mark.parametrize("number", EXPECTED)
def test_every_status_of_a_loaded_certificate(city, number):
    shown = verify(city, number, register.check_code(number, KEY))
    assert shown["status"] == EXPECTED[number]
    # Of the person: sex and birth year only, the holder's as the file gave them.
    assert (shown["holder_sex"], shown["holder_birth_year"]) == (("M", 1990) if number == "SKB-OVERPOS" else ("F", 1985))
    assert shown["test_type"] == ("pcr" if number == "SKB-OTHERS" else "antigen")
    assert shown["certified_result"] == "negative"
    assert pd_moment(shown["issued_at"]) == datetime(2021, 8, 3, 2, 0)
    assert (shown["tested_at"] is None or shown["tested_at"] != shown["tested_at"]) == (number == "SKB-NOTEST")


def pd_moment(value) -> datetime:
    import pandas as pd

    return pd.Timestamp(value).to_pydatetime()


def test_a_forged_check_code_and_an_unknown_number_tell_nothing(city):
    forged = register.check_code("SKB-VALID", "the forger's own key")
    assert forged != register.check_code("SKB-VALID", KEY)
    for number, code, status in (("SKB-VALID", forged, "wrong_code"), ("SKB-TIDAK-ADA", forged, "not_found")):
        shown = verify(city, number, code)
        assert shown["status"] == status
        assert all(v is None or v != v for k, v in shown.items() if k != "status")


def test_check_codes_are_eight_crockford_characters_read_as_people_type_them():
    code = register.check_code("SKB-VALID", KEY)
    assert len(code) == 8 and set(code) <= set(register.CROCKFORD) and not set(code) & set("ILOU")
    assert register.check_code(" skb-valid ", KEY) == code
    assert register.check_code("SKB-VALIE", KEY) != code and register.check_code("SKB-VALID", KEY + "x") != code
    assert register.normalise_code(" o1il ") == "0111"


# --- QR codes ----------------------------------------------------------------------------------

def screen_photo(png: bytes) -> bytes:
    """A QR code as a phone photographs it off a screen: dimmer, blurred, turned 12 degrees, JPEG."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = ImageEnhance.Contrast(image).enhance(0.7).filter(ImageFilter.GaussianBlur(2))
    image = image.rotate(12, expand=True, resample=Image.BICUBIC, fillcolor=(200, 205, 215))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75)
    return out.getvalue()


def test_a_qr_code_photographed_from_a_screen_is_read(city):
    code = register.check_code("SKB-VALID", KEY)
    photo = screen_photo(register.qr_png("SKB-VALID", code))
    assert register.decode_qr(photo) == f"PKU-CERT:SKB-VALID:{code}"
    assert verification.read_photo(photo) == ("SKB-VALID", code)
    assert verify(city, *verification.read_photo(photo))["status"] == "valid"


def test_photos_without_a_certificates_qr_code_get_a_clear_reason():
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(blank, "PNG")
    assert verification.read_photo(blank.getvalue()) == "certificate_check.unreadable_photo"
    assert verification.read_photo(b"not an image at all") == "certificate_check.unreadable_photo"
    import segno

    other = io.BytesIO()
    segno.make_qr("https://example.com/promo").save(other, kind="png", scale=8)
    assert verification.read_photo(other.getvalue()) == "certificate_check.not_certificate_qr"
    bad = io.BytesIO()
    segno.make_qr("PKU-CERT:SKB 1:ABCD2345").save(bad, kind="png", scale=8)
    assert verification.read_photo(bad.getvalue()) == "certificate_check.not_certificate_qr"


def test_the_command_line_writes_the_registers_qr_code(city, tmp_path, capsys):
    from casedb.certificates.__main__ import main

    url = city.url.render_as_string(hide_password=False)
    out = tmp_path / "qr.png"
    assert main(["--database-url", url, "qr", "skb-valid", "--out", str(out)]) == 0
    assert register.decode_qr(out.read_bytes()) == f"PKU-CERT:SKB-VALID:{register.check_code('SKB-VALID', KEY)}"
    assert main(["--database-url", url, "qr", "SKB-TIDAK-ADA", "--out", str(tmp_path / "x.png")]) == 2
    assert main(["--database-url", url, "qr", "SKB 1", "--out", str(tmp_path / "x.png")]) == 2
    assert not (tmp_path / "x.png").exists()


# --- The page ----------------------------------------------------------------------------------

def t(key: str, **kwargs) -> str:
    return i18n.t(key, lang="id", **kwargs)


@pytest.fixture
def page(city, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", city.url.render_as_string(hide_password=False))
    monkeypatch.setattr("casedb.wib.now_utc", lambda: CHECKED)
    queries.clear_cache()

    def open_as(role: str) -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["lang"] = "id"
        sign_in(at, role)
        return at.run()

    return open_as


def type_in(at: AppTest, number: str, code: str) -> AppTest:
    at.text_input(key="certificate_number").input(number)
    at.text_input(key="certificate_check_code").input(code)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def audited(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT outcome, detail FROM audit_log WHERE action = 'certificate_verify' "
                                 "ORDER BY id")).all()


def test_an_officer_sees_the_status_large_with_only_sex_and_birth_year(city, page):
    at = type_in(page("checkpoint"), "skb-overpos", register.check_code("SKB-OVERPOS", KEY).lower())
    assert [e.value.split("\n")[0] for e in at.error] == [f"### {t('certificate_check.status.result_mismatch')}"]
    values = list(at.table[0].value["value"])
    assert t("certificate_check.holder_value", sex=t("certificate_check.sex.M"), year="1990") in values
    assert "1471010101900001" not in " ".join(map(str, values))
    assert [json.loads(d) for _, d in audited(city)] == [{"number": "SKB-OVERPOS", "status": "result_mismatch",
                                                          "via": "typed"}]
    # An officer makes no QR codes.
    assert all(box.key != "certificate_qr_number" for box in at.text_input)


def test_verifications_are_rate_limited_per_account(city, page, monkeypatch):
    monkeypatch.setenv("VERIFY_MAX_PER_MINUTE", "3")
    at = page("checkpoint")
    code = register.check_code("SKB-VALID", KEY)
    for _ in range(3):
        type_in(at, "SKB-VALID", code)
        assert at.success and not at.error
    type_in(at, "SKB-VALID", code)
    assert [e.value for e in at.error] == [t("certificate_check.rate_limited", limit=3)]
    assert [(outcome, json.loads(detail)["status"]) for outcome, detail in audited(city)] == [
        ("success", "valid")] * 3 + [("refused", "rate_limited")]
    # The limit is the account's, whatever the session: a new session is refused too.
    assert [e.value for e in type_in(page("checkpoint"), "SKB-VALID", code).error] == [
        t("certificate_check.rate_limited", limit=3)]
    # Another account is not.
    assert type_in(page("health"), "SKB-VALID", code).success


def test_the_health_office_makes_a_certificates_qr_code_on_the_page(city, page):
    at = page("health")
    at.text_input(key="certificate_qr_number").input("skb-valid")
    next(b for b in at.get("form_submit_button") if b.label == t("certificate_qr.make")).click().run()
    assert not at.exception and not at.error
    [image] = at.get("image")
    assert image.proto.imgs[0].caption == t("certificate_qr.caption", number="SKB-VALID",
                                             code=register.check_code("SKB-VALID", KEY))
    assert [b.proto.label for b in at.get("download_button")] == [t("certificate_qr.download")]
    at.text_input(key="certificate_qr_number").input("SKB-TIDAK-ADA")
    next(b for b in at.get("form_submit_button") if b.label == t("certificate_qr.make")).click().run()
    assert [e.value for e in at.error] == [t("certificate_qr.not_found")]


def test_an_officer_photographs_the_qr_code_off_a_screen(city, page):
    code = register.check_code("SKB-EXPIRED", KEY)
    at = page("checkpoint")
    at.camera_input(key="certificate_photo").set_value(
        ("photo.jpg", screen_photo(register.qr_png("SKB-EXPIRED", code)), "image/jpeg")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value.split("\n")[0] for e in at.error] == [f"### {t('certificate_check.status.expired')}"]
    assert "SKB-EXPIRED" in set(at.table[0].value["value"])
    # A rerun (a language switch, a data refresh) shows the answer again without checking again.
    at.run()
    assert [e.value.split("\n")[0] for e in at.error] == [f"### {t('certificate_check.status.expired')}"]
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 120, 120)).save(blank, "JPEG")
    at.camera_input(key="certificate_photo").set_value(("photo.jpg", blank.getvalue(), "image/jpeg")).run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("certificate_check.unreadable_photo")]
    assert [(outcome, json.loads(detail)) for outcome, detail in audited(city)] == [
        ("failure", {"number": "SKB-EXPIRED", "status": "expired", "via": "qr"}),
        ("failure", {"status": "unreadable_photo", "via": "qr"})]
    assert all(code not in detail and code.lower() not in detail for _, detail in audited(city))
