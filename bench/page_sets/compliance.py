"""The compliance page's query set for `bench/pages.py`.

`figures(run)` is what pages/compliance.py computes on its first run for `health`: the data span,
the default period (the last 28 complete WIB days) and `figures.compliance.compliance` for it with
the thresholds of the settings. `naive(engine)` computes the league table's counts for the same
period from the raw rows with pandas: test results and certificates by the WIB day of their
timestamps (not `result_day`, `issued_day` or the rollups), every facility and authorisation, the
period's reports (by the day they report on), expected days from the facilities' opening, weekly
closed days and authorisations, "on time" from the submission moment against the end of the WIB
day plus REPORT_DEADLINE_HOUR. `check` lists, per facility, every count of the table and its status.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Engine

from casedb.schema import LATENCY_EDGES_HOURS
from casedb.wib import today_wib
from bench.page_sets import figure
from figures import compliance as fc
from figures.common import data_span

WIB = pd.Timedelta(hours=7)
DAY_ENDS = pd.Timedelta(hours=17)  # naive UTC moment a WIB day ends, after its midnight
COUNTS = ("expected", "received", "on_time", "declared_tests", "sent_tests", "longest_missing", "trailing_missing",
          "results", "certificates", "unauthorised_results", "unauthorised_certificates")


def figures(run) -> fc.Compliance:
    span = figure(run, data_span)
    start, end = fc.default_period(today_wib(), span[1])
    return figure(run, fc.compliance, start, end, fc.Thresholds.from_settings())


@dataclass
class Naive:
    start: date
    end: date
    table: pd.DataFrame  # one row per facility registered in the period, by registry code: COUNTS, shares, status


def _runs(missing: list[bool]) -> tuple[int, int]:
    """Longest run of True, and the run that ends the list."""
    longest = current = 0
    for m in missing:
        current = current + 1 if m else 0
        longest = max(longest, current)
    return longest, current


def naive(engine: Engine, start: date | None = None, end: date | None = None) -> Naive:
    th = fc.Thresholds.from_settings()
    with engine.connect() as conn:
        if start is None:
            # The data's last WIB day: of any test result or case event (as the page's data span).
            last = max(pd.Timestamp(m) for m in conn.execute(text(
                "SELECT (SELECT MAX(result_at) FROM test_results), (SELECT MAX(confirmed_at) FROM cases), "
                "(SELECT MAX(recovered_at) FROM cases), (SELECT MAX(died_at) FROM cases)")).one() if m is not None)
            last_day = (last + WIB).normalize().date()
            start, end = fc.default_period(today_wib(), last_day)
        lo, hi = pd.Timestamp(start) - WIB, pd.Timestamp(end) + pd.Timedelta(days=1) - WIB
        facilities = pd.read_sql(text("SELECT * FROM facilities"), conn)
        auths = pd.read_sql(text("SELECT a.id, a.facility_id, a.valid_from, a.valid_until, a.revoked_at, t.test_type "
                                 "FROM authorizations a JOIN authorization_test_types t ON t.authorization_id = a.id"),
                            conn)
        reports = pd.read_sql(text("SELECT facility_id, report_day, submitted_at, tests_done FROM facility_reports "
                                   "WHERE report_day BETWEEN :start AND :end"), conn, params={"start": start, "end": end})
        tests = pd.read_sql(text("SELECT facility_id, test_type, specimen_at, result_at, reported_at FROM test_results "
                                 "WHERE result_at >= :lo AND result_at < :hi"), conn, params={"lo": lo, "hi": hi})
        certificates = pd.read_sql(text("SELECT facility_id, test_type, issued_at FROM certificates "
                                        "WHERE issued_at >= :lo AND issued_at < :hi"), conn, params={"lo": lo, "hi": hi})
    days = pd.date_range(start, end, freq="D")
    opened, closed = pd.to_datetime(facilities["opened_on"]), pd.to_datetime(facilities["closed_on"])
    facilities = facilities[(opened <= pd.Timestamp(end)) & (closed.isna() | (closed > pd.Timestamp(start)))]

    # Authorisation valid the whole WIB day: from..until, not revoked before the day ended.
    auths["valid_from"], auths["valid_until"] = pd.to_datetime(auths["valid_from"]), pd.to_datetime(auths["valid_until"])
    auths["revoked_at"] = pd.to_datetime(auths["revoked_at"])
    cover = auths.merge(pd.DataFrame({"day": days}), how="cross")
    cover = cover[(cover["valid_from"] <= cover["day"]) & (cover["day"] <= cover["valid_until"])
                  & (cover["revoked_at"].isna() | (cover["revoked_at"] >= cover["day"] + DAY_ENDS))]
    any_type = set(zip(cover["facility_id"], cover["day"]))
    by_type = set(zip(cover["facility_id"], cover["test_type"], cover["day"]))

    tests["day"] = (pd.to_datetime(tests["result_at"]) + WIB).dt.normalize()
    certificates["day"] = (pd.to_datetime(certificates["issued_at"]) + WIB).dt.normalize()
    sent = tests.groupby(["facility_id", "day"]).size()
    reports["day"] = pd.to_datetime(reports["report_day"])
    reports = reports.set_index(["facility_id", "day"])
    for name, later, earlier in (("sr", "result_at", "specimen_at"), ("rr", "reported_at", "result_at")):
        tests[name] = (pd.to_datetime(tests[later]) - pd.to_datetime(tests[earlier])).dt.total_seconds() / 3600
    within = LATENCY_EDGES_HOURS[LATENCY_EDGES_HOURS.index(24)]

    rows = []
    for f in facilities.itertuples():
        f_open, f_closed = pd.Timestamp(f.opened_on), pd.Timestamp(f.closed_on) if f.closed_on else None
        missing, counts = [], dict.fromkeys(COUNTS, 0)
        for day in days:
            registered = f_open <= day and (f_closed is None or day < f_closed)
            weekly_closed = str(day.isoweekday()) in (f.closed_weekdays or "")
            if not (registered and not weekly_closed and (f.reports_daily or (f.id, day) in any_type)):
                continue
            counts["expected"] += 1
            report = reports.loc[(f.id, day)] if (f.id, day) in reports.index else None
            missing.append(report is None)
            if report is None:
                continue
            counts["received"] += 1
            deadline = day + DAY_ENDS + pd.Timedelta(hours=th.deadline_hour)
            counts["on_time"] += int(pd.Timestamp(report["submitted_at"]) <= deadline)
            counts["declared_tests"] += int(report["tests_done"])
            counts["sent_tests"] += int(sent.get((f.id, day), 0))
        counts["longest_missing"], counts["trailing_missing"] = _runs(missing)
        mine = tests[tests["facility_id"] == f.id]
        counts["results"] = len(mine)
        counts["unauthorised_results"] = int(sum((f.id, t, d) not in by_type
                                                 for t, d in zip(mine["test_type"], mine["day"])))
        issued = certificates[certificates["facility_id"] == f.id]
        counts["certificates"] = len(issued)
        counts["unauthorised_certificates"] = int(sum((f.id, t, d) not in by_type
                                                      for t, d in zip(issued["test_type"], issued["day"])))
        counts["result_within_24h"] = float((mine["sr"] < within).mean()) if len(mine) else None
        counts["reported_within_24h"] = float((mine["rr"] < within).mean()) if len(mine) else None
        rate = counts["received"] / counts["expected"] if counts["expected"] else np.nan
        on_time = counts["on_time"] / counts["expected"] if counts["expected"] else np.nan
        counts["status"] = fc.status_of(rate, on_time, counts["trailing_missing"], th)
        rows.append({"registry_code": f.registry_code, **counts})
    return Naive(start, end, pd.DataFrame(rows).set_index("registry_code").sort_index())


def check(page: fc.Compliance, raw: Naive) -> list[tuple[str, object, object]]:
    """(figure, as the page computes it, as pandas over the raw rows computes it) for every figure."""
    table = page.table.set_index("registry_code").sort_index()
    rows: list[tuple[str, object, object]] = [("period", (page.start, page.end), (raw.start, raw.end)),
                                              ("facilities", list(table.index), list(raw.table.index))]
    for column in COUNTS:
        rows.append((f"{column} per facility", [int(v) for v in table[column]], [int(v) for v in raw.table[column]]))
    for column in ("result_within_24h", "reported_within_24h"):
        rows.append((f"{column} per facility", [_rounded(v) for v in table[column]],
                     [_rounded(v) for v in raw.table[column]]))
    rows.append(("status per facility", [None if pd.isna(s) else s for s in table["status"]],
                 [None if s is None or (isinstance(s, float) and pd.isna(s)) else s for s in raw.table["status"]]))
    return rows


def headline(page: fc.Compliance) -> str:
    city = page.city
    return (f"{page.start}..{page.end}: {city['facilities']} facilities, received {city['received']}/"
            f"{city['expected']}, on time {city['on_time']}, flagged {city['flagged']}")


def _rounded(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return round(float(value), 9)
