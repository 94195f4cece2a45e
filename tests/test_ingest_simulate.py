"""The live simulator writes through the ingestion path: its rows, cases and rollups agree with a
recount over the raw rows."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from casedb import reference
from casedb.simulate import SHARES, parse_rate, run, split
from tests.test_ingest import PEPPER, counts, data_version


def test_rates_and_shares():
    assert parse_rate("60/min") == 1.0
    assert parse_rate("2/s") == 2.0
    assert parse_rate("600/h") == pytest.approx(1 / 6)
    assert parse_rate("30") == 0.5
    carry: dict[str, float] = {}
    # 1 record per tick: after 20 ticks every kind has had exactly its share.
    made = [split(1, carry) for _ in range(20)]
    assert {s: sum(m[s] for m in made) for s in SHARES} == SHARES


def test_simulator_streams_results_cases_movements_and_reports(empty_db, monkeypatch):
    monkeypatch.setenv("NIK_PEPPER", PEPPER)
    with empty_db.begin() as conn:
        reference.load(conn)
    version = data_version(empty_db)
    out = io.StringIO()
    totals = run(empty_db, rate_per_second=100, duration=3.5, seed=7, out=out)
    found = counts(empty_db)
    assert found["test_results"] == totals["test_results"].accepted > 100
    assert found["movements"] == totals["movements"].accepted > 50
    assert found["facility_reports"] == totals["facility_reports"].accepted > 0
    assert totals["test_results"].rejected == totals["movements"].rejected == 0
    assert data_version(empty_db) > version
    assert "WIB  test_results +" in out.getvalue()

    results = pd.read_sql("SELECT tr.person_key, tr.test_type, tr.result, tr.result_day, tr.facility_id, "
                          "p.is_resident FROM test_results tr JOIN persons p ON p.person_key = tr.person_key",
                          empty_db)
    confirming = results[(results["result"] == "positive") & results["test_type"].isin(["pcr", "antigen"])
                         & results["is_resident"].astype(bool)]
    assert found["cases"] == confirming["person_key"].nunique() == sum(t.cases_created for t in totals.values())
    rollup = pd.read_sql("SELECT SUM(tests) AS tests, SUM(positives) AS positives FROM daily_facility_tests",
                         empty_db).iloc[0]
    assert (rollup["tests"], rollup["positives"]) == (len(results), (results["result"] == "positive").sum())
    moved = pd.read_sql("SELECT SUM(movements) AS n FROM daily_entry_point", empty_db).iloc[0]["n"]
    assert moved == found["movements"]
