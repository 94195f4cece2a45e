"""`python -m casedb.setup` on an empty SQLite and PostgreSQL database: schema, reference tables, the
health office's facility registry (with its rejects), the first admin; run again it changes nothing;
a later registry file adds and updates facilities, audited, deleting none."""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from sqlalchemy import select

from casedb import schema, users
from casedb.engine import get_engine
from casedb.ingest.errors import reasons_from_text
from casedb.setup import main
from tests.conftest import create_database, drop_database
from tests.test_ingest import counts, rows

REGISTRY = Path(__file__).parent / "fixtures" / "production" / "facilities.csv"
PASSWORD = "kata-sandi-kuat-2026"


@pytest.fixture
def new_url(backend, tmp_path):
    url = create_database(backend, tmp_path)
    yield url
    drop_database(url)


def run_setup(monkeypatch, capsys, *args: str, password: str = PASSWORD) -> tuple[int, list[str], str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    status = main([*args, "--password-stdin", "--lang", "en"])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_setup_from_empty_then_again_changes_nothing(new_url, monkeypatch, capsys):
    status, out, err = run_setup(monkeypatch, capsys, new_url, "--facilities", str(REGISTRY), "--admin", "Kepala")
    assert (status, err) == (0, "")
    assert out[0].startswith("Schema: brought to revision 0005")
    assert out[1] == "Reference tables: 179 rows added (kecamatan, kelurahan, external regions, entry points)."
    assert out[2] == "Rows in: 10 = accepted 3 + rejected 7 + duplicates 0."
    assert out[-2:] == ["Admin account kepala created.", "Setup done."]
    engine = get_engine(new_url)
    loaded = counts(engine)
    assert {k: loaded[k] for k in ("regions", "external_regions", "entry_points", "facilities", "users")} == {
        "regions": 98, "external_regions": 72, "entry_points": 9, "facilities": 3, "users": 1}
    # The health office's registry, not the project's list; a 2020 kelurahan code mapped to today's.
    f = schema.facilities
    with engine.connect() as conn:
        registry = [tuple(r) for r in conn.execute(select(
            f.c.registry_code, f.c.type, f.c.kelurahan_code, f.c.lat, f.c.closed_weekdays, f.c.reports_daily, f.c.beds,
            f.c.opened_on).order_by(f.c.registry_code))]
    assert registry == [
        ("1471398", "hospital", "14.71.08.1010", 0.482256, "", True, 62, date(2015, 1, 1)),
        ("LAB-SIDOMULYO", "lab", "14.71.13.1001", 0.4435, "67", False, None, date(2020, 4, 20)),
        ("PKM-CINTARAJA", "puskesmas", "14.71.03.1001", 0.509, "7", True, None, date(2015, 1, 1)),
    ]
    found = rows(engine, "SELECT row_number, reason FROM rejected_rows ORDER BY row_number")
    assert {n: {m.key for m in reasons_from_text(r)} for n, r in found} == {
        5: {"ingest.reject.unknown_value"}, 6: {"registry.coordinates_outside"}, 7: {"ingest.reject.bad_weekdays"},
        8: {"registry.bad_code"}, 9: {"ingest.reject.unknown_kelurahan"}, 10: {"registry.bad_beds"},
        11: {"ingest.reject.required"}}
    assert [json.loads(d)["op"] for (d,) in rows(engine, "SELECT detail FROM audit_log WHERE action = "
                                                         "'facility_change' ORDER BY id")] == ["register"] * 3
    signed_in = users.authenticate(engine, "kepala", PASSWORD)
    assert isinstance(signed_in, users.User) and signed_in.role == "admin"

    before = counts(engine)
    status, out, err = run_setup(monkeypatch, capsys, new_url, "--facilities", str(REGISTRY), "--admin", "kepala",
                                 password="")
    assert (status, err) == (0, "")
    assert out == ["Schema: at revision 0005_case_outcomes already.", "Reference tables: complete already.",
                   "Facility registry: this file was loaded already (batch 1); nothing to do.",
                   "Account kepala exists already; left as it is.",
                   "Nothing changed: the database was set up already."]
    assert counts(engine) == before


def test_a_later_registry_file_adds_and_updates_audited_and_deletes_nothing(new_url, monkeypatch, capsys, tmp_path):
    assert run_setup(monkeypatch, capsys, new_url, "--facilities", str(REGISTRY))[0] == 0
    later = tmp_path / "faskes-2021.csv"
    later.write_text(
        "Kode Faskes,Nama Faskes,Jenis Faskes,Kelurahan,Latitude,Longitude,Tgl Buka,Hari Tutup,Lapor Harian,TT\n"
        "1471398,RS Daerah Madani,RS,14.71.08.1010,0.482256,101.363718,01/01/2015,,ya,80\n"  # beds 62 -> 80
        "PKM-CINTARAJA,Puskesmas Cinta Raja,Puskesmas,14.71.03.1001,0.5090,101.4558,01/01/2015,7,ya,\n"  # same
        "KLI-BARU,Klinik Baru,Klinik Pratama,Binawidya,0.49,101.37,01/06/2021,,tidak,\n",  # new
        encoding="utf-8")
    status, out, _ = run_setup(monkeypatch, capsys, new_url, "--facilities", str(later))
    assert status == 0
    assert "Rows in: 3 = accepted 2 + rejected 0 + duplicates 1." in out
    engine = get_engine(new_url)
    assert rows(engine, "SELECT registry_code, beds FROM facilities ORDER BY registry_code") == [
        ("1471398", 80), ("KLI-BARU", None), ("LAB-SIDOMULYO", None), ("PKM-CINTARAJA", None)]
    edits = [json.loads(d) for (d,) in rows(engine, "SELECT detail FROM audit_log WHERE action = 'facility_change' "
                                                    "ORDER BY id")][3:]
    assert [(e["op"], e["facility"]) for e in edits] == [("edit", "1471398"), ("register", "KLI-BARU")]
    assert (edits[0]["beds"], edits[0]["was"]) == (80, {"beds": 62})
    # The same file through the ingestion command line: every row a duplicate now.
    from casedb.ingest.__main__ import main as ingest

    assert ingest([str(later), "--source", "facilities", "--database-url", new_url, "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "Rows in: 3 = accepted 0 + rejected 0 + duplicates 3."


def test_the_password_is_never_an_argument_and_a_short_one_is_refused(new_url, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        main([new_url, "--admin", "kepala", "--password", PASSWORD])
    capsys.readouterr()
    status, _, err = run_setup(monkeypatch, capsys, new_url, "--admin", "kepala", password="pendek")
    assert status == 2 and err.strip() == "The password is too short: at least 10 characters."
    assert counts(get_engine(new_url))["users"] == 0
    status, out, _ = run_setup(monkeypatch, capsys, new_url)
    assert status == 0 and "No active admin account yet: run again with --admin USERNAME." in out


def test_a_missing_registry_file_is_refused_before_anything(new_url, monkeypatch, capsys):
    status, out, err = run_setup(monkeypatch, capsys, new_url, "--facilities", "/nonexistent/faskes.csv")
    assert (status, out) == (2, [])
    assert err.strip() == "File not found: /nonexistent/faskes.csv"
