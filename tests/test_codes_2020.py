"""Codes of 2020: files from before Pekanbaru's 12 kecamatan became 15 name kelurahan by their old
codes. The project states the mapping in casedb/reference/kelurahan_2020.csv; ingestion maps old
codes to today's, so that those cases count in today's kecamatan."""
from __future__ import annotations

import csv
from datetime import date

import queries
from casedb import reference
from casedb.ingest import load
from tests.conftest import require_shared_reference
from tests.test_ingest import PEPPER, assert_counts, csv_bytes, db, rows  # noqa: F401

HEADER = ("No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
          "Tanggal Pengambilan Spesimen;Tanggal Hasil;Hasil")


def test_the_project_states_every_kelurahan_of_2020_with_its_code_today():
    table = reference.kelurahan_2020_frame()
    today = reference.kelurahan_frame().set_index("code")
    assert len(table) == 83 and table.code_2020.is_unique and table.code.is_unique
    assert set(table.code) == set(today.index)
    assert (table.source.str.len() > 0).all()
    # The names did not change (but for their spelling); 19 kelurahan got new codes in the split.
    assert (table.name_2020.str.lower() == today.name[table.code].str.lower().to_numpy()).all()
    assert int(table.changed.sum()) == 19 == int((table.code_2020 != table.code).sum())
    assert table.kecamatan_code_2020.nunique() == 12
    # No old code is another kelurahan's code today: an old code can only mean one place.
    moved = table[table.changed]
    assert not set(moved.code_2020) & set(today.index)


def test_old_kecamatan_and_what_they_became():
    became = reference.kecamatan_codes_2020()
    assert len(became) == 12
    assert became["14.71.08"] == ("14.71.08", "14.71.13")   # Tampan: Binawidya and Tuahmadani
    assert became["14.71.10"] == ("14.71.10", "14.71.14")   # Tenayan Raya: and Kulim
    assert became["14.71.12"] == ("14.71.12", "14.71.15")   # Rumbai Pesisir: Rumbai and Rumbai Timur
    assert became["14.71.11"] == ("14.71.08", "14.71.11")   # Payung Sekaki gave Sungaisibam to Binawidya
    assert sorted({c for codes in became.values() for c in codes}) == sorted(reference.kecamatan_frame().code)


def test_the_mapping_is_the_shared_crosswalk():
    with open(require_shared_reference() / "crosswalk_kelurahan_2020_to_2025.csv", newline="",
              encoding="utf-8") as f:
        crosswalk = {r["kode_2020"]: r["kode_2025"] for r in csv.DictReader(f)}
    assert reference.kelurahan_codes_2020() == crosswalk


def test_a_2020_file_with_old_codes_counts_in_todays_kecamatan(db):
    lines = [HEADER] + [
        f"S{i};1471398;147101010199{i:04d};L;1980;{code};PCR;0{i}/06/2020 08:00;0{i}/06/2020 20:00;Positif"
        for i, code in enumerate((
            "14.71.08.1006",   # Sidomulyo Barat in Tampan then, in Tuahmadani (14.71.13) now
            "1471101001",      # Kulim in Tenayan Raya then, in Kulim (14.71.14) now; without dots
            "14.71.12.1005",   # Tebing Tinggi Okura in Rumbai Pesisir then, in Rumbai Timur (14.71.15) now
            "14.71.11.1006",   # Sungaisibam in Payung Sekaki then, in Binawidya (14.71.08) now
            "14.71.01.1002",   # Jadirejo: the same code then and now
        ), start=1)
    ]
    summary = load(db, "test_results", csv_bytes(lines), pepper=PEPPER)
    assert_counts(summary, 5, 5, 0, 0)
    assert summary.cases_created == 5
    assert rows(db, "SELECT kelurahan_code FROM cases ORDER BY confirmed_at") == [
        ("14.71.13.1001",), ("14.71.14.1001",), ("14.71.15.1001",), ("14.71.08.1014",), ("14.71.01.1002",)]
    table = queries.run("kecamatan_cases", "health", engine=db, start=date(2020, 6, 1), end=date(2020, 6, 7))
    counted = {code: int(n) for code, n in zip(table["code"], table["new_cases"]) if int(n)}
    assert counted == {"14.71.13": 1, "14.71.14": 1, "14.71.15": 1, "14.71.08": 1, "14.71.01": 1}
