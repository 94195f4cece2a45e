"""The compliance page's query set at city scale, against a naive pandas computation in the same run.

    .venv/bin/python bench/compliance_bench.py --url postgresql+psycopg2://postgres@127.0.0.1:5432/pku_compliance_city

(a copy of pekanbaru_city made with `createdb -T` and migrated to 0005, which builds the compliance
rollup). Timed: the three named queries of the league table (`compliance_registry`,
`compliance_weeks`, `compliance_results`) through the runner with its cache cleared before every run,
then the same plus the figure assembly in pandas (`figures.compliance.compliance`). The baseline reads
the raw rows of the same period (reports, test results, certificates, authorisations) and computes
expected days, reporting and on-time counts, latency medians and unauthorised counts in pandas.
The period is moved through the history (28 days ending 3, 9 and 18 months in) to show the cost
follows the period, not the history before or after it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import text  # noqa: E402

import queries  # noqa: E402
from bench.ingest_bench import ServerCpu  # noqa: E402
from casedb.engine import get_engine  # noqa: E402
from figures import compliance as fc  # noqa: E402


CPU: ServerCpu | None = None


def timed(fn, runs: int) -> tuple[list[float], float | None]:
    """Wall milliseconds of each run, and the mean CPU milliseconds per run of this process plus
    its PostgreSQL backend (read from /proc, 10 ms ticks, so only meaningful over many runs)."""
    out = []
    server_before, client_before = CPU.seconds(), time.process_time()
    for _ in range(runs):
        queries.clear_cache()
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    server_after = CPU.seconds()
    cpu = None if server_before is None or server_after is None else \
        (server_after - server_before + time.process_time() - client_before) * 1000 / runs
    return out, cpu


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def naive(engine, start: date, end: date, deadline_hour: int = 12) -> pd.DataFrame:
    """Per facility: expected, received, on time, median latencies, unauthorised results, from raw rows."""
    params = {"start": start, "end": end}
    with engine.connect() as conn:
        facilities = pd.read_sql(text("SELECT * FROM facilities"), conn)
        reports = pd.read_sql(text("SELECT * FROM facility_reports WHERE report_day BETWEEN :start AND :end"), conn,
                              params=params)
        tests = pd.read_sql(text("SELECT facility_id, test_type, specimen_at, result_at, reported_at, result_day "
                                 "FROM test_results WHERE result_day BETWEEN :start AND :end"), conn, params=params)
        auths = pd.read_sql(text("SELECT a.*, t.test_type FROM authorizations a JOIN authorization_test_types t "
                                 "ON t.authorization_id = a.id"), conn)
    days = pd.date_range(start, end, freq="D")
    grid = facilities.merge(pd.DataFrame({"day": days}), how="cross")
    opened = pd.to_datetime(grid["opened_on"])
    closed = pd.to_datetime(grid["closed_on"])
    weekday = grid["day"].dt.isocalendar().day.astype(str)
    open_ = (opened <= grid["day"]) & (closed.isna() | (grid["day"] < closed)) & ~np.array(
        [w in c for w, c in zip(weekday, grid["closed_weekdays"].fillna(""))])
    ends = grid["day"] + pd.Timedelta(hours=17)
    valid = auths.drop_duplicates("id")
    pairs = grid[["id", "day"]].reset_index().merge(valid, left_on="id", right_on="facility_id", suffixes=("", "_a"))
    ok = (pd.to_datetime(pairs["valid_from"]) <= pairs["day"]) & (pairs["day"] <= pd.to_datetime(pairs["valid_until"])) \
        & (pairs["revoked_at"].isna() | (pd.to_datetime(pairs["revoked_at"]) >= pairs["day"] + pd.Timedelta(hours=17)))
    authorised = pd.Series(False, index=grid.index)
    authorised[pairs.loc[ok, "index"].unique()] = True
    grid["expected"] = open_ & (grid["reports_daily"].astype(bool) | authorised)
    reports["day"] = pd.to_datetime(reports["report_day"])
    grid = grid.merge(reports[["facility_id", "day", "submitted_at"]], left_on=["id", "day"],
                      right_on=["facility_id", "day"], how="left")
    grid["received"] = grid["expected"] & grid["submitted_at"].notna()
    deadline = ends + pd.Timedelta(hours=deadline_hour)
    grid["on_time"] = grid["received"] & (pd.to_datetime(grid["submitted_at"]) <= deadline.to_numpy())
    table = grid.groupby("id")[["expected", "received", "on_time"]].sum()
    tests["sr"] = (pd.to_datetime(tests["result_at"]) - pd.to_datetime(tests["specimen_at"])).dt.total_seconds() / 3600
    tests["rr"] = (pd.to_datetime(tests["reported_at"]) - pd.to_datetime(tests["result_at"])).dt.total_seconds() / 3600
    medians = tests.groupby("facility_id")[["sr", "rr"]].median()
    tests["day"] = pd.to_datetime(tests["result_day"])
    joined = tests.reset_index().merge(auths, on=["facility_id", "test_type"], how="left")
    good = (pd.to_datetime(joined["valid_from"]) <= joined["day"]) & (joined["day"] <= pd.to_datetime(joined["valid_until"])) \
        & (joined["revoked_at"].isna() | (pd.to_datetime(joined["revoked_at"]) >= joined["day"] + pd.Timedelta(hours=17)))
    authorised_tests = set(joined.loc[good, "index"])
    tests["unauthorised"] = ~tests.index.isin(authorised_tests)
    unauthorised = tests.groupby("facility_id")["unauthorised"].sum()
    return table.join(medians).join(unauthorised)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("COMPLIANCE_BENCH_URL",
                                                        "postgresql+psycopg2://postgres@127.0.0.1:5432/pku_compliance_city"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    engine = get_engine(args.url)
    global CPU
    CPU = ServerCpu(engine)
    th = fc.Thresholds()
    with engine.connect() as conn:
        first, last = conn.execute(text("SELECT MIN(day), MAX(day) FROM daily_facility_tests")).one()
        counts = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                  for t in ("facilities", "test_results", "certificates", "facility_reports", "daily_facility_compliance")}
    print(f"database: {engine.url.render_as_string(hide_password=True)}; history {first}..{last}; rows {counts}")
    print(f"load average: {os.getloadavg()[0]:.1f}")

    def run(name, **params):
        return queries.run(name, "health", engine=engine, **params)

    default = fc.default_period(last + timedelta(days=1), last)
    ends = [first + timedelta(days=91), first + timedelta(days=273), default[1]]
    print("| period | query set p50 | p95 | CPU per run | page figures p50 | p95 | CPU per run | naive pandas p50 | CPU per run | ratio naive / figures (wall, CPU) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for end in ends:
        start = end - timedelta(days=27)

        def query_set():
            run("compliance_registry", start=start, end=end, facility="")
            run("compliance_weeks", start=start, end=end, deadline_hour=th.deadline_hour, facility="")
            run("compliance_results", start=start, end=end, facility="")

        query_set()  # warm
        q, q_cpu = timed(query_set, args.runs)
        f, f_cpu = timed(lambda: fc.compliance(run, start, end, th), args.runs)
        n, n_cpu = timed(lambda: naive(engine, start, end), max(3, args.runs // 6))
        print(f"| {start}..{end} | {statistics.median(q):.0f} ms | {p95(q):.0f} ms | {q_cpu:.0f} ms "
              f"| {statistics.median(f):.0f} ms | {p95(f):.0f} ms | {f_cpu:.0f} ms "
              f"| {statistics.median(n):.0f} ms | {n_cpu:.0f} ms "
              f"| {statistics.median(n) / statistics.median(f):.1f}x, {n_cpu / f_cpu:.1f}x |", flush=True)
    figures = fc.compliance(run, *default, th)
    print(f"default period {default}: statuses {figures.status_counts}, flagged {figures.city['flagged']}, "
          f"reporting {figures.city['reporting_rate']:.3f}, on time {figures.city['on_time_rate']:.3f}")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
