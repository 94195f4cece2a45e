"""Facility reporting compliance (DESIGN section 3, after DHIS2's reporting and timeliness rates).

Every figure is assembled from three named queries over the chosen period only (calendar days and
the daily rollups, reports included: daily_facility_report), so its cost follows the period's length and
the number of facilities, never the length of the history:

- `compliance_weeks`: per facility and week of the period: expected, received, on time (by
  REPORT_DEADLINE_HOUR WIB the next day), declared tests and results sent on received days, and the
  facility's longest and final runs of missing expected days (one facility's days, for its
  calendar: `compliance_days`);
- `compliance_results`: per facility and test type: results, positives, certificates, those on days
  without an authorisation for the type, and latency histograms;
- `compliance_registry`: the facilities with their kecamatan, authorisation status on the last day
  and their last report.

Definitions decided here where DESIGN is silent:
- A report counts once per facility and day (the table keeps the first one sent: ingestion ignores a
  second report for the same day), and only for an expected day.
- Missing runs count expected days without a report; days that are not expected neither break nor
  extend a run. "Silent": the latest SILENT_DAYS or more expected days of the period all missing.
- Consistency gap = |declared tests - results sent| / results sent, summed over the reported
  expected days of the period (100% when results sent are 0 and tests were declared).
- Medians of latency are read from the rollup's histograms (casedb.schema.LATENCY_EDGES_HOURS),
  linearly within the bucket: exact to the bucket's width (1 h below 2 h, 2 h to 6 h, 6 h up to
  24 h, 12-24 h up to 72 h); a median beyond 72 h is shown as "> 72 h" (math.inf here).
- Status: none ("not expected") for a facility with no expected day in the period.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from casedb.schema import (CALENDAR_RANGE, FACILITY_TYPES, LATENCY_BUCKETS, LATENCY_EDGES_HOURS, TEST_TYPES,
                           WITHIN_24H_BUCKETS)
from figures.common import Run, prefetch

DEFAULT_PERIOD_DAYS = 28
MAX_PERIOD_DAYS = 366
STATUSES = ("green", "amber", "red")
FLAGS = ("unauthorised", "silent", "missing", "inconsistent", "late")
CALENDAR_STATUSES = ("on_time", "late", "missing", "closed_day", "not_expected", "not_expected_reported")
FIRST_DAY, LAST_DAY = (date.fromisoformat(d) for d in CALENDAR_RANGE)


class PeriodError(ValueError):
    """A period the page cannot show; `key` is the catalog key of the message."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Thresholds:
    green: int = 95        # COMPLIANCE_GREEN, percent
    on_time: int = 90      # COMPLIANCE_ON_TIME, percent
    amber: int = 80        # COMPLIANCE_AMBER, percent
    silent_days: int = 3   # SILENT_DAYS
    gap: int = 10          # CONSISTENCY_GAP, percent
    deadline_hour: int = 12  # REPORT_DEADLINE_HOUR, WIB

    @classmethod
    def from_settings(cls) -> "Thresholds":
        from casedb import settings

        return cls(settings.get("COMPLIANCE_GREEN"), settings.get("COMPLIANCE_ON_TIME"),
                   settings.get("COMPLIANCE_AMBER"), settings.get("SILENT_DAYS"),
                   settings.get("CONSISTENCY_GAP"), settings.get("REPORT_DEADLINE_HOUR"))


@dataclass(frozen=True)
class Compliance:
    start: date
    end: date
    thresholds: Thresholds
    table: pd.DataFrame       # the league table: one row per facility (columns: TABLE_COLUMNS)
    city: dict                # expected, received, on_time, reporting_rate, on_time_rate
    weekly: pd.DataFrame      # week_start, week_end, type ("all" or a facility type), expected, received, on_time, rates
    status_counts: dict = field(default_factory=dict)  # status -> facilities (None: not expected)

    def non_compliant(self) -> pd.DataFrame:
        """Facilities amber or red, or with any flag: the follow-up letters' list."""
        table = self.table
        return table[table["status"].isin(("amber", "red")) | (table["flags"].map(len) > 0)]

    def furthest_behind(self, count: int = 10) -> pd.DataFrame:
        """The `count` expected-to-report facilities with the lowest reporting rate, then on-time rate."""
        table = self.table[self.table["expected"] > 0]
        rank = table["status"].map({"red": 0, "amber": 1, "green": 2})
        return table.assign(_rank=rank).sort_values(
            ["_rank", "reporting_rate", "on_time_rate", "registry_code"]).head(count).drop(columns="_rank")


@dataclass(frozen=True)
class FacilityView:
    facility: pd.Series        # its row of the league table
    calendar: pd.DataFrame     # day, status (CALENDAR_STATUSES), submitted_at, declared_tests, sent_tests
    latency: pd.DataFrame      # bucket, low, high, specimen_to_result, result_to_report
    tests: pd.DataFrame        # test_type, results, positives, positivity, certificates, unauthorised_*
    authorisations: pd.DataFrame


def default_period(today: date, last_data_day: date | None, days: int = DEFAULT_PERIOD_DAYS) -> tuple[date, date]:
    """The last `days` complete WIB days: ending yesterday, or the day before the data's last day
    when the data ends earlier (its last day is still being reported)."""
    end = min(today, last_data_day or today) - timedelta(days=1)
    return end - timedelta(days=days - 1), end


def check_period(start: date, end: date, max_days: int = MAX_PERIOD_DAYS) -> None:
    if start > end:
        raise PeriodError("compliance.error.reversed")
    if start < FIRST_DAY or end > LAST_DAY:
        raise PeriodError("compliance.error.outside", first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    if (end - start).days + 1 > max_days:
        raise PeriodError("compliance.error.too_long", days=max_days)


def _ints(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """The columns as whole numbers, missing as 0. In one block: PostgreSQL's sums arrive as Decimal
    objects, and converting 28 columns one by one took half of the league table's assembly."""
    columns = list(columns)
    frame[columns] = np.nan_to_num(frame[columns].to_numpy(dtype=float)).astype(np.int64)
    return frame


def _rate(numerator, denominator):
    """A fraction, NaN where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def histogram_medians(counts: np.ndarray) -> np.ndarray:
    """The median hours of each row of a (facilities x LATENCY_BUCKETS) array of latency histograms
    (LATENCY_EDGES_HOURS buckets), linear within its bucket; inf beyond the last edge; NaN for no
    results."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(axis=1)
    half = total / 2
    cumulative = np.cumsum(counts, axis=1)
    k = (cumulative < half[:, np.newaxis]).sum(axis=1)  # np.searchsorted(cumulative, half), per row
    edges = np.asarray(LATENCY_EDGES_HOURS, dtype=float)
    inside = np.minimum(k, len(edges) - 1)
    low = np.where(inside == 0, 0.0, edges[np.maximum(inside - 1, 0)])
    high = edges[inside]
    rows = np.arange(len(counts))
    before = np.where(k == 0, 0.0, cumulative[rows, np.maximum(k - 1, 0)])
    in_bucket = counts[rows, np.minimum(k, counts.shape[1] - 1)]
    with np.errstate(divide="ignore", invalid="ignore"):
        median = low + (high - low) * (half - before) / in_bucket
    return np.where(total <= 0, np.nan, np.where(k >= len(edges), np.inf, median))


def _days(run: Run, start: date, end: date, th: Thresholds, facility: str = "") -> pd.DataFrame:
    days = run("compliance_days", start=start, end=end, deadline_hour=th.deadline_hour, facility=facility)
    days = _ints(days, ["registered", "weekly_closed", "authorised", "expected", "reported", "on_time", "sent_tests"])
    days["declared_tests"] = pd.to_numeric(days["declared_tests"])
    return days


def _weeks_call(start: date, end: date, th: Thresholds, facility: str = "") -> tuple[str, dict]:
    return "compliance_weeks", {"start": start, "end": end, "deadline_hour": th.deadline_hour, "facility": facility}


def _results_call(start: date, end: date, facility: str = "") -> tuple[str, dict]:
    return "compliance_results", {"start": start, "end": end, "facility": facility}


def _weeks(run: Run, start: date, end: date, th: Thresholds, facility: str = "") -> pd.DataFrame:
    name, params = _weeks_call(start, end, th, facility)
    weeks = run(name, **params)
    return _ints(weeks, ["week", "expected", "received", "on_time", "declared_tests", "sent_tests",
                         "longest_missing", "trailing_missing"])


def _results(run: Run, start: date, end: date, facility: str = "") -> pd.DataFrame:
    name, params = _results_call(start, end, facility)
    results = run(name, **params)
    counts = ["results", "positives", "certificates", "unauthorised_results", "unauthorised_certificates",
              "unauthorised_days"] + [f"sr_{k}" for k in range(LATENCY_BUCKETS)] + [f"rr_{k}" for k in range(LATENCY_BUCKETS)]
    return _ints(results, counts)


def status_of(reporting_rate: float, on_time_rate: float, trailing_missing: int, th: Thresholds) -> str | None:
    """green (reporting >= green and on time >= on_time), amber (reporting >= amber), red (below,
    or silent: its latest silent_days expected reports missing); None when nothing was expected."""
    if reporting_rate is None or pd.isna(reporting_rate):
        return None
    if trailing_missing >= th.silent_days or reporting_rate < th.amber / 100:
        return "red"
    if reporting_rate >= th.green / 100 and on_time_rate >= th.on_time / 100:
        return "green"
    return "amber"


def flags_of(row, th: Thresholds) -> tuple[str, ...]:
    flags = []
    if row["unauthorised_results"] + row["unauthorised_certificates"] > 0:
        flags.append("unauthorised")
    if row["trailing_missing"] >= th.silent_days:
        flags.append("silent")
    elif row["longest_missing"] >= th.silent_days:
        flags.append("missing")
    if not pd.isna(row["consistency_gap"]) and row["consistency_gap"] > th.gap / 100:
        flags.append("inconsistent")
    if not pd.isna(row["on_time_rate"]) and row["on_time_rate"] < th.on_time / 100:
        flags.append("late")
    return tuple(flags)


TABLE_COLUMNS = (
    "facility_id", "registry_code", "name", "type", "kecamatan_code", "kecamatan", "expected", "received",
    "on_time", "reporting_rate", "on_time_rate", "median_specimen_to_result_h", "median_result_to_report_h",
    "results", "result_within_24h", "reported_within_24h", "last_report_day", "days_since_last_report",
    "longest_missing", "trailing_missing", "declared_tests", "sent_tests", "consistency_gap", "authorisation",
    "authorised_until", "certificates", "unauthorised_results", "unauthorised_certificates", "flags", "status",
)


def _per_facility(ids: pd.Index, frame: pd.DataFrame, columns: list[str], reduce: np.ufunc) -> np.ndarray:
    """(facilities x columns) of the frame's rows reduced per facility of `ids`, 0 where it has none:
    numpy instead of a pandas groupby and join per figure, which cost more than the page's queries."""
    out = np.zeros((len(ids), len(columns)), dtype=np.int64)
    at = ids.get_indexer(frame["facility_id"])
    listed = at >= 0
    reduce.at(out, at[listed], frame[columns].to_numpy(dtype=np.int64)[listed])
    return out


_WEEK_SUMS = ["expected", "received", "on_time", "declared_tests", "sent_tests"]
_WEEK_MAXES = ["longest_missing", "trailing_missing"]
_RESULT_SUMS = ["results", "certificates", "unauthorised_results", "unauthorised_certificates",
                *(f"sr_{k}" for k in range(LATENCY_BUCKETS)), *(f"rr_{k}" for k in range(LATENCY_BUCKETS))]


def league_table(registry: pd.DataFrame, weeks: pd.DataFrame, results: pd.DataFrame, end: date,
                 th: Thresholds) -> pd.DataFrame:
    ids = pd.Index(registry["facility_id"])
    table = {c: registry[c].reset_index(drop=True) for c in
             ("facility_id", "registry_code", "name", "type", "kecamatan_code", "kecamatan", "authorisation",
              "authorised_until", "last_report_day")}
    for columns, frame, reduce in ((_WEEK_SUMS, weeks, np.add), (_WEEK_MAXES, weeks, np.maximum),
                                   (_RESULT_SUMS, results, np.add)):
        table.update(zip(columns, _per_facility(ids, frame, columns, reduce).T))
    table["reporting_rate"] = _rate(table["received"], table["expected"])
    table["on_time_rate"] = _rate(table["on_time"], table["expected"])
    sr = np.column_stack([table.pop(f"sr_{k}") for k in range(LATENCY_BUCKETS)])
    rr = np.column_stack([table.pop(f"rr_{k}") for k in range(LATENCY_BUCKETS)])
    table["median_specimen_to_result_h"] = histogram_medians(sr)
    table["median_result_to_report_h"] = histogram_medians(rr)
    table["result_within_24h"] = _rate(sr[:, :WITHIN_24H_BUCKETS].sum(axis=1), sr.sum(axis=1))
    table["reported_within_24h"] = _rate(rr[:, :WITHIN_24H_BUCKETS].sum(axis=1), rr.sum(axis=1))
    declared, sent = table["declared_tests"], table["sent_tests"]
    gap = np.where((sent == 0) & (declared > 0), 1.0, _rate(np.abs(declared - sent), sent))
    table["consistency_gap"] = np.where(table["received"] > 0, gap, np.nan)
    last = pd.to_datetime(table["last_report_day"])
    table["days_since_last_report"] = (pd.Timestamp(end) - last).dt.days.astype("Int64")
    checked = ("unauthorised_results", "unauthorised_certificates", "trailing_missing", "longest_missing",
               "consistency_gap", "on_time_rate")
    table["flags"] = [flags_of(dict(zip(checked, values)), th) for values in zip(*(table[c] for c in checked))]
    table["status"] = [status_of(r, o, m, th) for r, o, m in
                       zip(table["reporting_rate"], table["on_time_rate"], table["trailing_missing"])]
    return pd.DataFrame(table, columns=list(TABLE_COLUMNS)).sort_values("registry_code").reset_index(drop=True)


TREND_COLUMNS = ["week_start", "week_end", "type", "expected", "received", "on_time", "reporting_rate",
                 "on_time_rate"]


def weekly_trend(weeks: pd.DataFrame, registry: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Reporting and on-time rates per week of the period (weeks counted back from its last day, the
    first one shorter when the period is not whole weeks), per facility type and for all."""
    columns = ["expected", "received", "on_time"]
    kind = weeks["facility_id"].map(registry.set_index("facility_id")["type"]).to_numpy(dtype=object)
    week = weeks["week"].to_numpy(dtype=np.int64)
    counts = weeks[columns].to_numpy(dtype=np.int64)
    labels, numbers, sums = [], [], []
    for label, rows in (("all", np.ones(len(week), dtype=bool)), *((k, kind == k) for k in FACILITY_TYPES)):
        if not rows.any():
            continue
        distinct, at = np.unique(week[rows], return_inverse=True)
        total = np.zeros((len(distinct), len(columns)), dtype=np.int64)
        np.add.at(total, at, counts[rows])
        labels += [label] * len(distinct)
        numbers.append(distinct)
        sums.append(total)
    if not labels:
        return pd.DataFrame(columns=TREND_COLUMNS)
    sums = np.concatenate(sums)
    week_end = pd.Series(pd.Timestamp(end) - pd.to_timedelta(np.concatenate(numbers) * 7, unit="D"))
    trend = pd.DataFrame({"week_start": (week_end - pd.Timedelta(days=6)).clip(lower=pd.Timestamp(start)),
                          "week_end": week_end, "type": labels, **{c: sums[:, k] for k, c in enumerate(columns)}})
    trend["reporting_rate"] = _rate(trend["received"], trend["expected"])
    trend["on_time_rate"] = _rate(trend["on_time"], trend["expected"])
    return trend.sort_values(["type", "week_end"]).reset_index(drop=True)


def compliance(run: Run, start: date, end: date, th: Thresholds) -> Compliance:
    """Every figure of the compliance page for the WIB days start..end."""
    check_period(start, end)
    registry_call = ("compliance_registry", {"start": start, "end": end, "facility": ""})
    prefetch(run, [registry_call, _weeks_call(start, end, th), _results_call(start, end)])
    registry = run(registry_call[0], **registry_call[1])
    weeks = _weeks(run, start, end, th)
    results = _results(run, start, end)
    table = league_table(registry, weeks, results, end, th)
    expected, received, on_time = (int(table[c].sum()) for c in ("expected", "received", "on_time"))
    city = {"expected": expected, "received": received, "on_time": on_time,
            "reporting_rate": received / expected if expected else None,
            "on_time_rate": on_time / expected if expected else None,
            "facilities": len(table), "flagged": int((table["flags"].map(len) > 0).sum())}
    counts = {status: int((table["status"] == status).sum()) for status in STATUSES}
    counts[None] = int(table["status"].isna().sum())
    return Compliance(start, end, th, table, city, weekly_trend(weeks, registry, start, end), counts)


def _calendar_status(row) -> str:
    if row["registered"] and row["weekly_closed"]:
        return "closed_day"
    if not row["expected"]:
        return "not_expected_reported" if row["reported"] else "not_expected"
    if not row["reported"]:
        return "missing"
    return "on_time" if row["on_time"] else "late"


def latency_histogram(counts_sr, counts_rr) -> pd.DataFrame:
    lows = (0, *LATENCY_EDGES_HOURS)
    highs = (*LATENCY_EDGES_HOURS, math.inf)
    return pd.DataFrame({"bucket": range(LATENCY_BUCKETS), "low": lows, "high": highs,
                         "specimen_to_result": np.asarray(counts_sr, dtype=np.int64),
                         "result_to_report": np.asarray(counts_rr, dtype=np.int64)})


def facility_view(run: Run, code: str, start: date, end: date, th: Thresholds) -> FacilityView | None:
    """One facility over start..end; None when no facility with that registry code was registered
    in the period."""
    check_period(start, end)
    registry = run("compliance_registry", start=start, end=end, facility=code)
    if registry.empty:
        return None
    days = _days(run, start, end, th, facility=code)
    results = _results(run, start, end, facility=code)
    row = league_table(registry, _weeks(run, start, end, th, facility=code), results, end, th).iloc[0]
    calendar = days.assign(status=[_calendar_status(r) for _, r in days.iterrows()])[
        ["day", "status", "submitted_at", "declared_tests", "sent_tests"]]
    sr = results[[f"sr_{k}" for k in range(LATENCY_BUCKETS)]].sum().to_numpy()
    rr = results[[f"rr_{k}" for k in range(LATENCY_BUCKETS)]].sum().to_numpy()
    tests = results[["test_type", "results", "positives", "certificates", "unauthorised_results",
                     "unauthorised_certificates", "first_unauthorised_day", "last_unauthorised_day"]].copy()
    tests["positivity"] = _rate(tests["positives"], tests["results"])
    tests = tests.set_index("test_type").reindex([t for t in TEST_TYPES if t in set(tests["test_type"])]).reset_index()
    authorisations = run("facility_authorizations", registry_code=code, today=end)
    return FacilityView(row, calendar.reset_index(drop=True), latency_histogram(sr, rr), tests, authorisations)
