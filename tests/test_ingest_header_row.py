"""Facility files as Indonesian facilities export them: one to five title rows (report name, period,
facility, merged cells in Excel) above the header. The header is found among the first rows, the
batch says which row it took, rows keep the spreadsheet's numbers, and Excel date serial numbers in
an XLSX date column are dates. A file without a recognisable header is still refused clearly."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from casedb.ingest import IngestRefused, load, preview
HEADER_SEARCH_ROWS = 10  # casedb.ingest.read looks this far
from tests.test_ingest import GOOD_ROW, HEADER, PEPPER, assert_counts, counts, csv_bytes, db, rejected, rows  # noqa: F401

TITLES = ["LAPORAN HASIL PEMERIKSAAN COVID-19", "Periode: Agustus 2021", "",
          "Fasilitas: RS Umum Daerah Arifin Achmad;;;;Hasil", "Dicetak: 06/08/2021"]
BAD_ROW = GOOD_ROW.replace("PCR", "MRI")


def _note(summary_or_preview, key="ingest.note.header_row"):
    return [m for m in summary_or_preview.notes if m.key == key]


@pytest.mark.parametrize("titles", [1, 2, 3, 4, 5])
def test_csv_with_title_rows_loads_from_the_header_row(db, titles):
    lines = TITLES[:titles] + [HEADER, GOOD_ROW.format(n=1), BAD_ROW.format(n=2), GOOD_ROW.format(n=3)]
    summary = load(db, "test_results", csv_bytes(lines), file_name="laporan.csv", pepper=PEPPER)
    assert_counts(summary, 3, 2, 1, 0)
    header_row = titles + 1
    assert rejected(db, summary.batch_id) == {header_row + 2: {"ingest.reject.unknown_value"}}
    note = _note(summary)
    assert [m.params for m in note] == [{"row": header_row, "titles": titles}]
    assert str(header_row) in note[0].render("en") and str(header_row) in note[0].render("id")
    assert note[0].render("en") != note[0].key and note[0].render("id") != note[0].render("en")
    assert rows(db, "SELECT source_ref FROM test_results ORDER BY 1") == [("G1",), ("G3",)]


def test_a_header_on_the_first_row_has_no_note(db):
    summary = load(db, "test_results", csv_bytes([HEADER, GOOD_ROW.format(n=1)]), file_name="h.csv", pepper=PEPPER)
    assert_counts(summary, 1, 1, 0, 0)
    assert _note(summary) == []


def test_the_preview_says_which_row_it_took(db):
    lines = TITLES[:2] + [HEADER, GOOD_ROW.format(n=1)]
    shown = preview(db, "test_results", csv_bytes(lines))
    assert (shown.rows_in, shown.valid) == (1, 1)
    assert [m.params for m in _note(shown)] == [{"row": 3, "titles": 2}]
    assert counts(db)["test_results"] == 0


def _xlsx(tmp_path, titles: int, data: list[list], header: list[str] | None = None):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    header = header or HEADER.split(";")
    texts = ["LAPORAN HASIL PEMERIKSAAN COVID-19", "Periode: Agustus 2021", None, "Fasilitas: RSUD Arifin Achmad",
             "Dicetak: 06/08/2021"]
    for i in range(titles):
        sheet.append([texts[i]] + [None] * (len(header) - 1))
        if texts[i] is not None:  # a title spans the table, as exports write it
            sheet.merge_cells(start_row=i + 1, start_column=1, end_row=i + 1, end_column=len(header))
    sheet.append(header)
    for row in data:
        sheet.append(row)
    path = tmp_path / f"laporan-{titles}.xlsx"
    workbook.save(path)
    return path


@pytest.mark.parametrize("titles", [1, 3, 5])
def test_xlsx_with_merged_title_rows_and_date_serial_numbers(db, tmp_path, titles):
    # 44413.375 is 5 Aug 2021 09:00 in Excel's 1900 date system; 44413 is 5 Aug 2021.
    data = [
        ["S1", 1471398, "1471010101900051", "L", 1990, "14.71.08.1010", "PCR", 44413.333333333336, 44413.375,
         44414, "Positif"],
        ["S2", 1471398, "1471010101900052", "P", 1991, "14.71.08.1010", "PCR", 44413.375, 44413.25, None, "Negatif"],
        ["S3", 1471398, "1471010101900053", "P", 1992, "14.71.08.1010", "PCR", "05/08/2021 07:00",
         datetime(2021, 8, 5, 10, 0), None, "Negatif"],
    ]
    summary = load(db, "test_results", _xlsx(tmp_path, titles, data), pepper=PEPPER)
    assert_counts(summary, 3, 2, 1, 0)
    header_row = titles + 1
    assert [m.params for m in _note(summary)] == [{"row": header_row, "titles": titles}]
    # S2's result (06:00) comes before its specimen (09:00): rejected under its spreadsheet row.
    assert rejected(db, summary.batch_id) == {header_row + 2: {"ingest.reject.result_before_specimen"}}
    # Stored in UTC: 08:00 WIB is 01:00 UTC; S3's report time (none given) is the load's.
    assert rows(db, "SELECT source_ref, specimen_at, result_at FROM test_results ORDER BY 1") == [
        ("S1", datetime(2021, 8, 5, 1, 0), datetime(2021, 8, 5, 2, 0)),
        ("S3", datetime(2021, 8, 5, 0, 0), datetime(2021, 8, 5, 3, 0))]
    assert rows(db, "SELECT reported_at FROM test_results WHERE source_ref = 'S1'") == [(datetime(2021, 8, 5, 17, 0),)]
    assert rows(db, "SELECT birth_year FROM persons ORDER BY birth_year") == [(1990,), (1992,)]


def test_xlsx_birth_date_serial_is_a_birth_year_and_a_year_stays_a_year(db, tmp_path):
    header = HEADER.replace("Tahun Lahir", "Tanggal Lahir").split(";")
    data = [["B1", 1471398, "1471010101900061", "L", 31118, "14.71.08.1010", "PCR", 44413.375, 44413.5, None,
             "Negatif"],  # 12 Mar 1985
            ["B2", 1471398, "1471010101900062", "L", 1990, "14.71.08.1010", "PCR", 44413.375, 44413.5, None,
             "Negatif"]]
    summary = load(db, "test_results", _xlsx(tmp_path, 2, data, header), pepper=PEPPER)
    assert_counts(summary, 2, 2, 0, 0)
    assert rows(db, "SELECT birth_year FROM persons ORDER BY birth_year") == [(1985,), (1990,)]


def test_date_serial_numbers_in_csv_are_not_dates(db):
    """A CSV has no cell types: a number in a date column is a mistake the reviewer should see."""
    row = GOOD_ROW.format(n=1).replace("05/08/2021 08:00", "44413.375")
    summary = load(db, "test_results", csv_bytes([HEADER, row]), file_name="s.csv", pepper=PEPPER)
    assert_counts(summary, 1, 0, 1, 0)
    assert rejected(db, summary.batch_id) == {2: {"ingest.reject.bad_date"}}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_without_a_recognisable_header_is_still_refused(db, tmp_path, kind):
    garbage = ["Laporan harian", "Nama;Alamat;Telepon", "Siti;Jl. Sudirman;0812", "Budi;Jl. Riau;0813"]
    if kind == "csv":
        file = csv_bytes(garbage)
    else:
        file = _xlsx(tmp_path, 1, [line.split(";") for line in garbage[2:]], header=garbage[1].split(";"))
    with pytest.raises(IngestRefused) as refused:
        load(db, "test_results", file, file_name=f"x.{kind}", pepper=PEPPER)
    assert refused.value.message.key == "ingest.file.missing_columns"
    assert refused.value.message.params["columns"].startswith("No Sampel, Kode Faskes, NIK")


def test_a_header_below_the_search_rows_is_not_looked_for(db):
    lines = [f"Catatan {i}" for i in range(HEADER_SEARCH_ROWS)] + [HEADER, GOOD_ROW.format(n=1)]
    with pytest.raises(IngestRefused) as refused:
        load(db, "test_results", csv_bytes(lines), file_name="far.csv", pepper=PEPPER)
    assert refused.value.message.key == "ingest.file.missing_columns"


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_title_rows_with_any_separator(db, separator):
    lines = ["LAPORAN HASIL PEMERIKSAAN COVID-19", "Periode: Agustus 2021", HEADER, GOOD_ROW.format(n=1)]
    summary = load(db, "test_results", csv_bytes(lines, separator), file_name="s.csv", pepper=PEPPER)
    assert_counts(summary, 1, 1, 0, 0)
    assert [m.params for m in _note(summary)] == [{"row": 3, "titles": 2}]
