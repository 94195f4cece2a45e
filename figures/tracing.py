"""Contact tracing (DESIGN section 3, "Contact tracing", after WHO Go.Data's indicators; issue 15).

`run(name, **params)` is `ui.live.query` on the page and `queries.run` bound to a role and engine in
the tests. The indicators read the daily_tracing rollup and clusters the chain_members table (both
kept by the write path, casedb.rollups), a chain the contacts who became cases, follow-up the
contacts in quarantine.

Definitions used (where the issue and DESIGN are silent, decided here):
- A period is a range of WIB days of the index cases' confirmation; a contact belongs to the period
  of its index case, and to the kecamatan where its index case lives.
- Contacts per case: contacts listed of the period's cases / the period's cases (cases with none
  count). A person listed by two cases is two contacts.
- Traced in time: traced at most TRACING_HOURS after the index case's confirmation (exactly 72 h is
  in time; traced before the confirmation too), over all contacts listed; tested and became a case
  likewise over all contacts listed.
- Already listed: the period's cases whose person had been listed as someone's contact at or
  before their confirmation / the period's cases.
- A chain edge is index case -> the case its contact became; a cluster is a connected set of such
  edges, named by its earliest case, as every link known joins them; on day D it holds its cases
  confirmed by D (two or more). New in 7 days: its cases confirmed in D-6..D; growth: that over
  the 7 days before (D-13..D-7), empty when those were none.
- In quarantine at the end of day D: listed by then, quarantine ending on D or later, not become a
  case by then. Overdue: last seen (the last follow-up visit, else tracing, else listing) more than
  TRACING_FOLLOWUP_HOURS before the end of D.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from casedb import settings
from casedb.schema import TRACING_BUCKETS, TRACING_EDGES_HOURS
from casedb.wib import wib_to_utc
from figures.common import Run, prefetch
from figures.common import data_span  # noqa: F401 (the page's and the tests' span of the data)

DEFAULT_WEEKS = 12
# Clusters drawn node by node up to this size; larger ones are summarised by generation.
MAX_DRAWN_NODES = 300
CLUSTERS_LISTED = 50
OVERDUE_ROWS = 500
STATUSES = ("active", "hospitalised", "recovered", "died")
SUMS = ("cases", "cases_listed", "contacts", "traced", *[f"traced_{k}" for k in range(TRACING_BUCKETS)], "tested",
        "became_cases")


@dataclass(frozen=True)
class Targets:
    contacts_per_case: int
    hours: int
    followup_hours: int

    @classmethod
    def from_settings(cls) -> "Targets":
        return cls(settings.get("TRACING_CONTACTS_TARGET"), settings.get("TRACING_HOURS"),
                   settings.get("TRACING_FOLLOWUP_HOURS"))


@dataclass(frozen=True)
class Indicators:
    start: date
    end: date
    city: pd.Series  # the SUMS and the shares (see `shares`)
    weekly: pd.DataFrame  # week (Monday), the SUMS and shares
    kecamatan: pd.DataFrame  # kecamatan_code, kecamatan, the SUMS and shares


def end_of_day(day: date) -> datetime:
    """The naive UTC moment WIB day `day` ends."""
    return wib_to_utc(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def default_period(span: tuple[date, date], weeks: int = DEFAULT_WEEKS) -> tuple[date, date]:
    """The last `weeks` weeks of the data (all of it when shorter)."""
    first, last = span
    return max(first, last - timedelta(days=7 * weeks - 1)), last


def shares(sums: pd.DataFrame, hours: int) -> pd.DataFrame:
    """The indicators of each row of counts; None where their denominator is 0."""
    within = sums[[f"traced_{k}" for k in range(TRACING_EDGES_HOURS.index(hours) + 1)]].to_numpy().sum(axis=1)
    contacts, cases = sums["contacts"].to_numpy(dtype=float), sums["cases"].to_numpy(dtype=float)
    return sums.assign(
        traced_in_time=within,
        contacts_per_case=_share(contacts, cases),
        traced_in_time_share=_share(within, contacts),
        tested_share=_share(sums["tested"], contacts),
        became_share=_share(sums["became_cases"], contacts),
        listed_share=_share(sums["cases_listed"], cases),
    )


def _share(numerator, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator as Python floats, None where the denominator is 0: in numpy, since
    pandas' own division, casting and NaN replacement cost 5 ms on a frame of one row."""
    out = np.full(len(denominator), None, dtype=object)
    counted = denominator > 0
    out[counted] = np.asarray(numerator, dtype=float)[counted] / denominator[counted]
    return out


def _indicators_call(start: date, end: date) -> tuple[str, dict]:
    return "tracing_weeks_kecamatan", {"start": start, "end": end}


def _clusters_call(end: date, row_limit: int = CLUSTERS_LISTED) -> tuple[str, dict]:
    return "tracing_clusters", {"end": end, "week_start": end - timedelta(days=6),
                                "previous_start": end - timedelta(days=13), "row_limit": row_limit}


def _follow_up_calls(day: date, followup_hours: int, row_limit: int = OVERDUE_ROWS) -> list[tuple[str, dict]]:
    at = end_of_day(day)
    params = {"day": day, "at": at, "overdue_before": at - timedelta(hours=followup_hours)}
    return [("tracing_quarantine_kecamatan", params), ("tracing_overdue_contacts", {**params, "row_limit": row_limit})]


def page_calls(start: date, end: date, followup_hours: int) -> list[tuple[str, dict]]:
    """The queries of the page's first figures (indicators, clusters, follow-up) for
    `figures.common.prefetch`: the page starts them together before drawing the first."""
    return [_indicators_call(start, end), _clusters_call(end), *_follow_up_calls(end, followup_hours)]


def _fetch(run: Run, call: tuple[str, dict]) -> pd.DataFrame:
    name, params = call
    return run(name, **params)


def indicators(run: Run, start: date, end: date, hours: int) -> Indicators:
    """The indicators over the period, per ISO week and per kecamatan (one query)."""
    rows = _fetch(run, _indicators_call(start, end))
    for column in SUMS:
        rows[column] = rows[column].astype("int64")
    city = shares(rows[list(SUMS)].sum().to_frame().T, hours).iloc[0]
    dated = rows[rows["week"].notna()]
    weekly = dated.groupby("week", as_index=False)[list(SUMS)].sum()
    weekly["week"] = pd.to_datetime(weekly["week"])
    kecamatan = rows.groupby(["kecamatan_code", "kecamatan"], as_index=False)[list(SUMS)].sum()
    return Indicators(start, end, city, shares(weekly, hours).sort_values("week", ignore_index=True),
                      shares(kecamatan, hours).sort_values("kecamatan_code", ignore_index=True))


@dataclass(frozen=True)
class Clusters:
    end: date
    table: pd.DataFrame  # cluster, kecamatan_code, size, first_day, last_day, new_7d, previous_7d, growth
    total: int  # clusters in all (the table holds at most row_limit)


def clusters(run: Run, end: date, row_limit: int = CLUSTERS_LISTED) -> Clusters:
    """The clusters with two or more cases by the end of WIB day `end`, the most new cases in 7 days
    first (then the largest); their membership is kept by the write path (chain_members)."""
    table = _fetch(run, _clusters_call(end, row_limit))
    total = int(table["clusters"].iloc[0]) if len(table) else 0
    for column in ("cluster", "size", "new_7d", "previous_7d"):
        table[column] = table[column].astype("int64")
    for column in ("first_day", "last_day"):
        table[column] = pd.to_datetime(table[column])
    previous = table["previous_7d"].astype(float)
    growth = table["new_7d"] / previous.where(previous > 0)
    table["growth"] = growth.astype(object).where(growth.notna(), None)
    return Clusters(end, table.drop(columns="clusters"), total)


@dataclass(frozen=True)
class ChainView:
    """One cluster as drawn: every node and edge, or (too large) counts per generation and status."""

    cluster: int
    size: int
    drawn: bool
    nodes: pd.DataFrame  # case_id, day, status, generation (and x, y when drawn)
    edges: pd.DataFrame  # index_case_id, case_id
    generations: pd.DataFrame  # generation, status, cases


def chain_view(run: Run, cluster: int, end: date, max_nodes: int = MAX_DRAWN_NODES) -> ChainView | None:
    """The chain of the cluster named by its earliest case `cluster` at the end of WIB day `end`;
    None when there is none."""
    rows = run("tracing_chain", cluster=cluster, end=end, end_at=end_of_day(end))
    if rows.empty:
        return None
    ends = [rows[columns].set_axis(["case_id", "day", "status"], axis=1)
            for columns in (["index_case_id", "index_day", "index_status"], ["case_id", "case_day", "case_status"])]
    nodes = pd.concat(ends).drop_duplicates("case_id").reset_index(drop=True)
    nodes["case_id"] = nodes["case_id"].astype("int64")
    nodes["day"] = pd.to_datetime(nodes["day"])
    edges = rows[["index_case_id", "case_id"]].astype("int64")
    # Generation: steps from a case that is no one's became-case (the first cases of the chain).
    children: dict[int, list[int]] = {}
    for a, b in zip(edges["index_case_id"], edges["case_id"]):
        children.setdefault(int(a), []).append(int(b))
    targets = set(edges["case_id"].astype(int))
    generation = {int(n): 0 for n in nodes["case_id"] if int(n) not in targets}
    frontier = list(generation)
    while frontier:
        following = []
        for n in frontier:
            for c in children.get(n, []):
                if c not in generation:
                    generation[c] = generation[n] + 1
                    following.append(c)
        frontier = following
    nodes["generation"] = nodes["case_id"].map(generation).fillna(0).astype(int)
    counts = (nodes.groupby(["generation", "status"]).size().rename("cases").reset_index()
              .sort_values(["generation", "status"], ignore_index=True))
    drawn = len(nodes) <= max_nodes
    nodes = nodes.sort_values(["generation", "day", "case_id"], ignore_index=True)
    if drawn:
        # A row per generation; cases of one generation confirmed the same day are spread a little
        # within their row, so that none hides another.
        same_day = nodes.groupby(["generation", "day"])["case_id"]
        spread = same_day.cumcount() - (same_day.transform("size") - 1) / 2
        nodes["y"] = nodes["generation"] + 0.8 * spread / same_day.transform("size").clip(lower=2)
        nodes["x"] = nodes["day"]
    return ChainView(cluster, len(nodes), drawn, nodes, edges.reset_index(drop=True), counts)


@dataclass(frozen=True)
class FollowUp:
    day: date
    overdue_before: datetime
    kecamatan: pd.DataFrame  # kecamatan_code, kecamatan, in_quarantine, overdue
    overdue: pd.DataFrame  # contact_id, index_case_id, kecamatan, relation, listed_at, last_seen, quarantine_until


def follow_up(run: Run, day: date, followup_hours: int, row_limit: int = OVERDUE_ROWS) -> FollowUp:
    """Contacts in quarantine at the end of WIB day `day`, and those overdue for follow-up."""
    calls = _follow_up_calls(day, followup_hours, row_limit)
    prefetch(run, calls)
    by_kecamatan, overdue = (_fetch(run, call) for call in calls)
    for column in ("listed_at", "last_seen", "quarantine_until"):  # SQLite returns them as text
        overdue[column] = pd.to_datetime(overdue[column], format="mixed")
    return FollowUp(day, calls[0][1]["overdue_before"], by_kecamatan, overdue)
