"""The export writers: CSV and XLSX formula-safe, XLSX with its data dictionary, PDF and PNG made."""
import io
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook

from exports import csv, pdf, png, xlsx

ATTACKS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2", "@SUM(A1)", "\t=1", "plain", "a=b"]


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ATTACKS,
        "cases": [1, 2, 3, 4, 5, 6, 7],
        "shown": ["<5", "x", 12, Decimal("13"), np.int64(14), None, 0],
        "ratio": [0.5, np.nan, 1.25, 0.0, 2.0, 3.0, 4.0],
        "at": pd.to_datetime(["2026-11-27 09:30"] * 7),
    }).rename(columns={"ratio": "=ratio"})


def test_csv_cells_that_would_run_as_formulas_are_text():
    lines = csv.to_csv_bytes(frame()).decode("utf-8-sig").splitlines()
    assert lines[0] == "name,cases,shown,'=ratio,at"
    firsts = [line.split(",")[0] for line in lines[1:]]
    assert firsts[1:4] == ["'+1+1", "'-2", "'@SUM(A1)"]
    assert firsts[0].startswith("\"'=HYPERLINK")
    assert firsts[5:] == ["plain", "a=b"]


def test_xlsx_keeps_numbers_and_neutralises_text():
    data = xlsx.to_xlsx_bytes(frame(), [("name", "Nama fasilitas"), ("cases", "=kasus baru")],
                              sheet_title="Data", dictionary_title="Kamus data",
                              dictionary_headers=("Kolom", "Keterangan"))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Data", "Kamus data"]
    sheet = book["Data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("name", "cases", "shown", "'=ratio", "at")
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "'-2", "'@SUM(A1)", "'\t=1",
                                        "plain", "a=b"]
    # No cell anywhere is a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert [r[1] for r in rows[1:]] == [1, 2, 3, 4, 5, 6, 7]
    assert [r[2] for r in rows[1:]] == ["<5", "x", 12, 13, 14, None, 0]
    assert [r[3] for r in rows[1:]] == [0.5, None, 1.25, 0.0, 2.0, 3.0, 4.0]
    assert rows[1][4] == datetime(2026, 11, 27, 9, 30)
    dictionary = list(book["Kamus data"].iter_rows(values_only=True))
    assert dictionary == [("Kolom", "Keterangan"), ("name", "Nama fasilitas"), ("cases", "'=kasus baru")]


def test_xlsx_without_dictionary_has_one_sheet_and_safe_title():
    book = load_workbook(io.BytesIO(xlsx.to_xlsx_bytes(frame().head(1), sheet_title="Kasus/hari: [Pekanbaru]")))
    assert book.sheetnames == ["Kasus hari   Pekanbaru"]


def test_pdf_report_is_made():
    table = pd.DataFrame({"Kecamatan": ["Sukajadi", "Tampan"], "Kasus": ["<5", "12"]})
    made = pdf.report_pdf("Ringkasan – 27 Nov 2026", [pdf.Heading("Kasus"), pdf.Paragraph("Angka per kecamatan."),
                                                     pdf.Table(table)], footer="Data per 27 Nov 2026, 16:30 WIB")
    assert made.startswith(b"%PDF-") and made.rstrip().endswith(b"%%EOF")
    with pytest.raises(TypeError):
        pdf.report_pdf("x", ["not a block"])


def test_png_of_a_plotly_figure_with_the_system_browser():
    made = png.figure_png(go.Figure(go.Bar(x=["a", "b"], y=[3, 4])), width=300, height=200)
    assert made.startswith(b"\x89PNG\r\n\x1a\n")
    # IHDR: width and height in pixels.
    assert int.from_bytes(made[16:20], "big") == 300 and int.from_bytes(made[20:24], "big") == 200
