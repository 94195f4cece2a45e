"""A 50 MB file is streamed in chunks: peak memory stays a fraction of the file, and every row is
accounted for (counts known from how the file was made)."""
from __future__ import annotations

import tracemalloc

import pytest

from casedb import reference
from casedb.ingest import load
from tests.test_ingest import PEPPER, assert_counts, counts

FILE_BYTES = 50 * 1024 * 1024
NOTE = "Pasien datang dengan keluhan demam, batuk, dan anosmia sejak tiga hari, riwayat kontak erat " * 3
HEADER = ("No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
          "Tanggal Pengambilan Spesimen;Tanggal Hasil;Tanggal Lapor;Hasil;Catatan\n")


def write_large_file(path) -> dict[str, int]:
    """Rows until the file passes 50 MB. Every 1000th row names an unregistered facility, every
    other 500th repeats the row before it, every 10th is a positive PCR (a case); expected counts."""
    expected = {"rows_in": 0, "rejected": 0, "duplicates": 0, "cases": 0}
    size = len(HEADER)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        i = 0
        while size < FILE_BYTES:
            lines = []
            for i in range(i, i + 10_000):
                n = i - 1 if i % 500 == 0 and i % 1000 else i
                facility = "0000000" if n % 1000 == 0 else "1471398"
                result = "Positif" if n % 10 == 0 else "Negatif"
                lines.append(f"L{n};{facility};1471{n:012d};P;1980;14.71.08.1010;PCR;05/08/2021 08:{n % 60:02d};"
                             f"05/08/2021 20:00;06/08/2021 09:00;{result};{NOTE}\n")
                expected["rows_in"] += 1
                expected["rejected"] += facility == "0000000"
                expected["duplicates"] += n != i
                expected["cases"] += n == i and facility != "0000000" and result == "Positif"
            i += 1
            chunk = "".join(lines)
            f.write(chunk)
            size += len(chunk.encode())
    expected["accepted"] = expected["rows_in"] - expected["rejected"] - expected["duplicates"]
    return expected


@pytest.fixture(scope="module")
def large_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "hasil_besar.csv"
    return path, write_large_file(path)


def test_fifty_megabytes_stream_in_bounded_memory(empty_db, large_file):
    path, expected = large_file
    assert path.stat().st_size >= FILE_BYTES
    with empty_db.begin() as conn:
        reference.load(conn)
    tracemalloc.start()
    try:
        summary = load(empty_db, "test_results", path, pepper=PEPPER)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_counts(summary, expected["rows_in"], expected["accepted"], expected["rejected"], expected["duplicates"])
    assert summary.cases_created == expected["cases"]
    found = counts(empty_db)
    assert (found["test_results"], found["rejected_rows"], found["cases"]) == (
        expected["accepted"], expected["rejected"], expected["cases"])
    # Read whole, the file's text alone would take more than 50 MB.
    assert peak < FILE_BYTES * 0.5, f"peak {peak / 1e6:.1f} MB"
