"""The list of non-compliant facilities for Dinkes' follow-up letters, as CSV and XLSX.

Headers are in Bahasa Indonesia whatever the reader's language (the letters are), and the workbook
has a second sheet stating the period, the thresholds and the definitions used. Text cells that a
spreadsheet would run as a formula are neutralised in both files (the shared `exports` package
writes them: `exports.csv`, and `exports.xlsx` with the definitions as its dictionary sheet).
"""
from __future__ import annotations

import math

import pandas as pd

from casedb.schema import LATENCY_EDGES_HOURS
from exports.csv import to_csv_bytes
from exports.xlsx import to_xlsx_bytes
from figures.compliance import Compliance
from ui.i18n import t

SHEET = "Faskes tidak patuh"
DEFINITIONS_SHEET = "Periode dan definisi"
LANG = "id"
DEFINITION_HEADERS = ("Butir", "Keterangan")
# column of the league table -> Indonesian header
COLUMNS = {
    "registry_code": "Kode Faskes",
    "name": "Nama Faskes",
    "type": "Jenis",
    "kecamatan": "Kecamatan",
    "expected": "Laporan seharusnya",
    "received": "Laporan diterima",
    "on_time": "Laporan tepat waktu",
    "reporting_rate": "Kelengkapan laporan (%)",
    "on_time_rate": "Ketepatan waktu (%)",
    "median_specimen_to_result_h": "Median spesimen ke hasil (jam)",
    "median_result_to_report_h": "Median hasil ke dilaporkan (jam)",
    "reported_within_24h": "Hasil dilaporkan dalam 24 jam (%)",
    "days_since_last_report": "Hari sejak laporan terakhir",
    "trailing_missing": "Laporan terakhir yang hilang berturut-turut",
    "longest_missing": "Laporan hilang berturut-turut terpanjang",
    "declared_tests": "Pemeriksaan dilaporkan",
    "sent_tests": "Hasil pemeriksaan dikirim",
    "consistency_gap": "Selisih konsistensi (%)",
    "authorisation": "Rekomendasi Dinkes",
    "unauthorised_results": "Pemeriksaan tanpa rekomendasi",
    "unauthorised_certificates": "Surat keterangan tanpa rekomendasi",
    "flags": "Tanda",
    "status": "Status",
}
PERCENT_COLUMNS = ("reporting_rate", "on_time_rate", "reported_within_24h", "consistency_gap")
HOUR_COLUMNS = ("median_specimen_to_result_h", "median_result_to_report_h")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _percent(value):
    return None if _missing(value) else round(float(value) * 100, 1)


def _hours(value):
    if _missing(value):
        return None
    if math.isinf(value):
        return f"> {LATENCY_EDGES_HOURS[-1]}"
    return round(float(value), 1)


def _whole(value):
    return None if _missing(value) else int(value)


def export_table(figures: Compliance) -> pd.DataFrame:
    """The non-compliant facilities, worst first, with Indonesian headers and values as written."""
    rows = figures.non_compliant()
    rank = rows["status"].map({"red": 0, "amber": 1, "green": 2}).fillna(3)
    rows = rows.assign(_rank=rank).sort_values(["_rank", "registry_code"]).drop(columns="_rank")
    out = pd.DataFrame(index=rows.index)
    for column, header in COLUMNS.items():
        values = rows[column]
        if column in PERCENT_COLUMNS:
            values = values.map(_percent)
        elif column in HOUR_COLUMNS:
            values = values.map(_hours)
        elif column == "type":
            values = values.map(lambda v: t(f"facility_type.{v}", lang=LANG))
        elif column == "authorisation":
            values = values.map(lambda v: t(f"compliance.authorisation.{v}", lang=LANG))
        elif column == "flags":
            values = values.map(lambda flags: ", ".join(t(f"compliance.flag.{f}", lang=LANG) for f in flags))
        elif column == "status":
            values = values.map(lambda v: t(f"compliance.status.{v}", lang=LANG) if isinstance(v, str)
                                else t("compliance.status.none", lang=LANG))
        elif column in ("registry_code", "name", "kecamatan"):
            values = values.astype(str)
        else:
            values = values.map(_whole)
        out[header] = values.astype(object).where(values.notna(), None)
    return out.reset_index(drop=True)


def definitions(figures: Compliance) -> pd.DataFrame:
    th = figures.thresholds
    rows = [
        ("Periode", f"{figures.start.isoformat()} s.d. {figures.end.isoformat()}"),
        ("Hari (WIB)", "Setiap hari dihitung menurut WIB (UTC+7)."),
        ("Laporan seharusnya", "Hari faskes buka (antara tanggal buka dan tutup, bukan hari libur mingguannya) dan wajib "
                               "melapor (melapor harian, atau memegang rekomendasi Dinkes yang berlaku hari itu)."),
        ("Kelengkapan laporan", "Laporan yang diterima untuk hari yang seharusnya / laporan seharusnya x 100. "
                                "Laporan untuk hari yang tidak seharusnya tidak dihitung; satu laporan per hari."),
        ("Ketepatan waktu", f"Laporan yang dikirim paling lambat pukul {th.deadline_hour:02d}.00 WIB hari berikutnya "
                            "/ laporan seharusnya x 100 (REPORT_DEADLINE_HOUR)."),
        ("Status hijau", f"Kelengkapan >= {th.green}% (COMPLIANCE_GREEN) dan ketepatan waktu >= {th.on_time}% "
                         "(COMPLIANCE_ON_TIME)."),
        ("Status kuning", f"Kelengkapan >= {th.amber}% (COMPLIANCE_AMBER)."),
        ("Status merah", f"Kelengkapan di bawah {th.amber}%, atau {th.silent_days} laporan terakhir yang seharusnya "
                         "hilang berturut-turut (SILENT_DAYS)."),
        ("Selisih konsistensi", "|pemeriksaan yang dilaporkan - hasil pemeriksaan yang dikirim| / hasil dikirim, pada "
                                f"hari yang dilaporkan; ditandai bila di atas {th.gap}% (CONSISTENCY_GAP)."),
        ("Tanpa rekomendasi", "Pemeriksaan atau surat keterangan pada hari tanpa rekomendasi Dinkes yang berlaku "
                              "untuk jenis pemeriksaan itu sepanjang hari itu."),
        ("Median latensi", "Dibaca dari histogram dengan batas "
                           + ", ".join(str(e) for e in LATENCY_EDGES_HOURS) + " jam (interpolasi di dalam kelas)."),
    ]
    return pd.DataFrame(rows, columns=list(DEFINITION_HEADERS))


def to_csv(figures: Compliance) -> bytes:
    return to_csv_bytes(export_table(figures))


def to_xlsx(figures: Compliance) -> bytes:
    return to_xlsx_bytes(export_table(figures), list(definitions(figures).itertuples(index=False, name=None)),
                         sheet_title=SHEET, dictionary_title=DEFINITIONS_SHEET,
                         dictionary_headers=tuple(DEFINITION_HEADERS))
