"""Fraud signals with health documents (DESIGN section 3, "Health documents", rules 1-7).

Each rule is one named query (`queries/fraud_rule<n>_<what>.sql`, its definition in its header) that
returns the rule's flagged items over the chosen period, with their evidence; rule 6 is one function
(`_rule6`) over two named queries of the daily rollups, since its tests (a binomial tail, a trailing
median) are not SQL. Every rule's items come out in one shape (`COLUMNS`), dated by `day` (the WIB
day of the signal: issue day, presentation day, the jump's day; for low positivity, the period's
last day), so the page, the counts, the weekly trend and the export read one table.

Definitions decided here where DESIGN is silent:
- Rule 4 counts the holder the register names as one person: one presentation of a registered
  certificate by someone else is already a second person.
- Rule 5: within FRAUD_ELSEWHERE_DAYS days means at most that many times 24 hours after the
  positive result, that moment included; only PCR and antigen positives count.
- Rule 6, positivity: one-sided exact binomial test of the facility's antigen positives against
  the positivity of every other facility in the period, for facilities with at least
  FRAUD_POSITIVITY_MIN_TESTS antigen results; significant below FRAUD_SIGNIFICANCE divided by the
  number of facilities tested (Bonferroni: 250 facilities tested at once would otherwise flag a few
  by chance every period).
- Rule 6, volume: a day's certificates above FRAUD_VOLUME_JUMP times the median of the facility's
  FRAUD_VOLUME_DAYS days before (days without certificates count as 0), and at least
  FRAUD_VOLUME_MIN certificates (a facility that issues one a week would otherwise "jump" with 2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

import numpy as np
import pandas as pd

from figures.common import day_offsets, prefetch
# The period is chosen as on the compliance page (ui.periods.pick_recent_period), with its messages.
from figures.compliance import PeriodError, check_period, default_period  # noqa: F401

Run = Callable[..., pd.DataFrame]

RULES = (1, 2, 3, 4, 5, 6, 7)
QUERIES = {1: "fraud_rule1_unauthorised_issuer", 2: "fraud_rule2_no_matching_test", 3: "fraud_rule3_before_result",
           4: "fraud_rule4_shared_number", 5: "fraud_rule5_negative_elsewhere", 7: "fraud_rule7_after_expiry"}
RULE6_QUERIES = ("fraud_rule6_positivity", "fraud_rule6_volume")
# What a flagged item is, per rule: the entity an investigator follows up (and the ground truth names).
ENTITY = {1: "certificate", 2: "certificate", 3: "certificate", 4: "certificate", 5: "certificate",
          6: "facility", 7: "movement"}
# The one shape of every rule's items.
COLUMNS = ("rule", "day", "at", "reason", "facility_id", "facility_code", "facility_name", "certificate_id",
           "certificate_number", "test_type", "test_ref", "test_at", "test_result", "other_facility_code", "other_at",
           "entry_point", "movement_id", "persons", "presentations", "tests", "positives", "measure", "baseline")
MAX_PERIOD_DAYS = 731  # two years: the whole demo history fits, as the ground-truth test reads it


@dataclass(frozen=True)
class Thresholds:
    elsewhere_days: int = 7       # FRAUD_ELSEWHERE_DAYS
    min_tests: int = 100          # FRAUD_POSITIVITY_MIN_TESTS
    significance: float = 0.01    # FRAUD_SIGNIFICANCE
    volume_jump: float = 3.0      # FRAUD_VOLUME_JUMP
    volume_days: int = 28         # FRAUD_VOLUME_DAYS
    volume_min: int = 10          # FRAUD_VOLUME_MIN

    @classmethod
    def from_settings(cls) -> "Thresholds":
        from casedb import settings

        return cls(settings.get("FRAUD_ELSEWHERE_DAYS"), settings.get("FRAUD_POSITIVITY_MIN_TESTS"),
                   settings.get("FRAUD_SIGNIFICANCE"), settings.get("FRAUD_VOLUME_JUMP"),
                   settings.get("FRAUD_VOLUME_DAYS"), settings.get("FRAUD_VOLUME_MIN"))


@dataclass(frozen=True)
class Signals:
    start: date
    end: date
    thresholds: Thresholds
    items: pd.DataFrame  # every rule's flagged items, COLUMNS

    def of_rule(self, rule: int) -> pd.DataFrame:
        return self.items[self.items["rule"] == rule].reset_index(drop=True)

    def counts(self) -> dict[int, int]:
        """Flagged items per rule (rule 6: facilities, each counted once)."""
        out = {}
        for rule in RULES:
            rows = self.of_rule(rule)
            out[rule] = int(rows["facility_id"].nunique()) if rule == 6 else len(rows)
        return out

    def weekly(self) -> pd.DataFrame:
        """Items per rule and week of the period: week_start (Monday), rule, items; every week and
        rule of the period present, 0 where nothing was flagged."""
        first = self.start - timedelta(days=self.start.weekday())
        weeks = pd.date_range(first, self.end, freq="7D")
        grid = pd.MultiIndex.from_product([weeks, RULES], names=["week_start", "rule"])
        days = pd.to_datetime(self.items["day"])
        week = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
        counted = self.items.assign(week_start=week).groupby(["week_start", "rule"]).size()
        return counted.reindex(grid, fill_value=0).rename("items").reset_index()


def check(start: date, end: date) -> None:
    check_period(start, end, max_days=MAX_PERIOD_DAYS)


def _calls(start: date, end: date, th: Thresholds) -> dict[str, dict[str, Any]]:
    """Every query of the rules, by name, with its parameters."""
    period = {"start": start, "end": end}
    calls = {QUERIES[rule]: period for rule in (1, 2, 3, 4, 7)}
    calls[QUERIES[5]] = {**period, "days": th.elsewhere_days}
    calls["fraud_rule6_positivity"] = period
    calls["fraud_rule6_volume"] = {"history_start": start - timedelta(days=th.volume_days), **period,
                                   "at_least": th.volume_min}
    return calls


def signals(run: Run, start: date, end: date, th: Thresholds) -> Signals:
    """Every rule's flagged items over the WIB days start..end."""
    check(start, end)
    calls = _calls(start, end, th)
    prefetch(run, list(calls.items()))
    frames = []
    for rule in RULES:
        if rule == 6:
            rows = _rule6(run, calls, end, th)
        else:
            rows = run(QUERIES[rule], **calls[QUERIES[rule]])
        if rule == 5:
            rows = rows.assign(reason="negative_elsewhere")
        elif rule == 7:
            # measure: hours past validity
            at = pd.to_datetime(rows["at"], format="mixed")
            rows = rows.assign(reason="after_expiry", measure=(at - rows["other_at"]).dt.total_seconds() / 3600)
        frames.append(rows.assign(rule=rule))
    items = _stacked(frames)
    items["rule"] = items["rule"].astype(np.int64)
    # "at" is not a *_at column, which the runner types itself.
    for column in ("day", "at", "test_at", "other_at"):
        items[column] = pd.to_datetime(items[column], format="mixed")
    for column in ("facility_id", "certificate_id", "movement_id", "persons", "presentations", "tests", "positives"):
        items[column] = pd.to_numeric(items[column]).astype("Int64")
    for column in ("measure", "baseline"):
        items[column] = pd.to_numeric(items[column]).astype(float)
    return Signals(start, end, th, items)


def _rule6(run: Run, calls: dict[str, dict[str, Any]], end: date, th: Thresholds) -> pd.DataFrame:
    """Facilities whose antigen positivity is implausibly low, and days whose issuing volume jumps."""
    low = implausibly_low(run("fraud_rule6_positivity", **calls["fraud_rule6_positivity"]), end, th)
    volume = calls["fraud_rule6_volume"]
    jumps = volume_jumps(run("fraud_rule6_volume", **volume), volume["start"], end, th)
    return _stacked([low, jumps])


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other in COLUMNS (missing ones empty), as objects for the caller to
    type: pandas' concat of frames whose columns and types differ cost more than the rest of the
    page's assembly."""
    return pd.DataFrame({column: np.concatenate([
        f[column].to_numpy(dtype=object) if column in f.columns else np.full(len(f), None, dtype=object)
        for f in frames]) for column in COLUMNS})


def binomial_lower_tail(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space (exact; no scipy in the project)."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 1.0 if k >= n else 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
             for i in range(0, min(k, n) + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(x - top) for x in terms))


def implausibly_low(counts: pd.DataFrame, end: date, th: Thresholds) -> pd.DataFrame:
    """Facilities (rows of fraud_rule6_positivity) whose antigen positives are significantly below
    the rest of the city's positivity; measure = the facility's positivity, baseline = the city's
    without it, both as fractions."""
    counts = counts.assign(tests=pd.to_numeric(counts["tests"]), positives=pd.to_numeric(counts["positives"]))
    tested = counts[counts["tests"] >= th.min_tests]
    if tested.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    total_tests, total_positives = counts["tests"].sum(), counts["positives"].sum()
    alpha = th.significance / len(tested)
    rows = []
    for row in tested.itertuples():
        other_tests = total_tests - row.tests
        if other_tests <= 0:
            continue
        city = (total_positives - row.positives) / other_tests
        p_value = binomial_lower_tail(int(row.positives), int(row.tests), city)
        if p_value < alpha:
            rows.append({"facility_id": row.facility_id, "facility_code": row.facility_code,
                         "facility_name": row.facility_name, "reason": "low_positivity", "test_type": "antigen",
                         "day": pd.Timestamp(end), "tests": int(row.tests), "positives": int(row.positives),
                         "measure": row.positives / row.tests, "baseline": city})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def volume_jumps(daily: pd.DataFrame, start: date, end: date, th: Thresholds) -> pd.DataFrame:
    """Days of the period (rows of fraud_rule6_volume) on which a facility issued more than
    volume_jump times the median of its volume_days days before, and at least volume_min;
    measure = that day's certificates, baseline = the median."""
    if daily.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    calendar = pd.date_range(start - timedelta(days=th.volume_days), end, freq="D")
    # Days x facilities (one row per facility and day already: the query groups them), 0 on days
    # without a row.
    facility_at, facilities = pd.factorize(daily["facility_id"], sort=True)
    day_at = day_offsets(daily["day"], calendar[0].date())
    inside = (day_at >= 0) & (day_at < len(calendar))
    counts = np.zeros((len(calendar), len(facilities)))
    counts[day_at[inside], facility_at[inside]] = pd.to_numeric(daily["certificates"]).to_numpy(dtype="float64")[inside]
    # The median of the volume_days days before each day (the day itself excluded), NaN for days
    # with fewer before them in the calendar: numpy's over sliding windows, a tenth of pandas' rolling.
    before = np.full(counts.shape, np.nan)
    if len(counts) > th.volume_days:
        windows = np.lib.stride_tricks.sliding_window_view(counts[:-1], th.volume_days, axis=0)
        before[th.volume_days:] = np.median(windows, axis=-1)
    period = calendar >= pd.Timestamp(start)
    with np.errstate(invalid="ignore"):
        jumped = ((counts > th.volume_jump * before) & (counts >= th.volume_min) & ~np.isnan(before))[period]
    names = daily.drop_duplicates("facility_id").set_index("facility_id")
    days, columns = np.nonzero(jumped)
    when, fid = calendar[period][days], facilities[columns]
    rows = {"facility_id": fid, "facility_code": names.loc[fid, "facility_code"].to_numpy(),
            "facility_name": names.loc[fid, "facility_name"].to_numpy(), "day": when, "reason": "volume_jump",
            "measure": counts[period][days, columns], "baseline": before[period][days, columns]}
    return pd.DataFrame(rows, columns=list(COLUMNS))
