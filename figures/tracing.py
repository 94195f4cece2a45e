"""Contact tracing (DESIGN section 3, "Contact tracing", after WHO Go.Data's indicators; issue 15).

`run(name, **params)` is `ui.live.query` on the page and `queries.run` bound to a role and engine in
the tests. The indicators read the daily_tracing rollup (casedb.rollups), chains read the contacts
who became cases, follow-up reads the contacts in quarantine.

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
  edges (two cases or more), named by its earliest case. New in 7 days: its cases confirmed in
  D-6..D; growth: that over the 7 days before (D-13..D-7), empty when those were none.
- In quarantine at the end of day D: listed by then, quarantine ending on D or later, not become a
  case by then. Overdue: last seen (the last follow-up visit, else tracing, else listing) more than
  TRACING_FOLLOWUP_HOURS before the end of D.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import pandas as pd

from casedb import settings
from casedb.schema import TRACING_BUCKETS, TRACING_EDGES_HOURS
from casedb.wib import wib_to_utc
from figures.common import data_span  # noqa: F401 (the page's and the tests' span of the data)

Run = Callable[..., pd.DataFrame]

DEFAULT_WEEKS = 12
# Clusters drawn node by node up to this size; larger ones are summarised by generation.
MAX_DRAWN_NODES = 300
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


def default_period(last_day: date, weeks: int = DEFAULT_WEEKS) -> tuple[date, date]:
    return last_day - timedelta(days=7 * weeks - 1), last_day


def shares(sums: pd.DataFrame, hours: int) -> pd.DataFrame:
    """The indicators of each row of counts; None where their denominator is 0."""
    within = sum(sums[f"traced_{k}"] for k in range(TRACING_EDGES_HOURS.index(hours) + 1))
    contacts, cases = sums["contacts"].astype(float), sums["cases"].astype(float)
    contacts, cases = contacts.where(contacts > 0), cases.where(cases > 0)
    return sums.assign(
        traced_in_time=within,
        contacts_per_case=sums["contacts"] / cases,
        traced_in_time_share=within / contacts,
        tested_share=sums["tested"] / contacts,
        became_share=sums["became_cases"] / contacts,
        listed_share=sums["cases_listed"] / cases,
    ).astype({"contacts_per_case": object, "traced_in_time_share": object, "tested_share": object,
              "became_share": object, "listed_share": object}).pipe(_none_for_nan)


def _none_for_nan(frame: pd.DataFrame) -> pd.DataFrame:
    columns = ["contacts_per_case", "traced_in_time_share", "tested_share", "became_share", "listed_share"]
    frame[columns] = frame[columns].astype(object).where(frame[columns].notna(), None)
    return frame


def indicators(run: Run, start: date, end: date, hours: int) -> Indicators:
    """The indicators over the period, per ISO week and per kecamatan (one query)."""
    rows = run("tracing_weeks_kecamatan", start=start, end=end)
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
class Chains:
    end: date
    nodes: pd.DataFrame  # case_id, day, kecamatan_code, status, cluster (its earliest case's id)
    edges: pd.DataFrame  # index_case_id, case_id, cluster
    clusters: pd.DataFrame  # cluster, kecamatan_code (of its first case), size, first_day, last_day, new_7d, previous_7d, growth


def chains(run: Run, end: date) -> Chains:
    """Chains of transmission as they stood at the end of WIB day `end`, and their clusters."""
    edges = run("tracing_chain_edges", end=end, end_at=end_of_day(end))
    nodes = pd.concat([
        edges.rename(columns={"index_case_id": "node", "index_day": "day", "index_kecamatan": "kecamatan_code",
                              "index_status": "status"})[["node", "day", "kecamatan_code", "status"]],
        edges.rename(columns={"case_id": "node", "case_day": "day", "case_kecamatan": "kecamatan_code",
                              "case_status": "status"})[["node", "day", "kecamatan_code", "status"]],
    ]).drop_duplicates("node").rename(columns={"node": "case_id"})
    nodes["case_id"] = nodes["case_id"].astype("int64")
    nodes["day"] = pd.to_datetime(nodes["day"])
    root = _components(edges["index_case_id"].astype("int64").tolist(), edges["case_id"].astype("int64").tolist())
    nodes["component"] = nodes["case_id"].map(root)
    # A cluster is named by its earliest case (the lower id on a tie).
    earliest = nodes.sort_values(["day", "case_id"]).groupby("component")["case_id"].first()
    name = {node: int(earliest[component]) for node, component in root.items()}
    nodes["cluster"] = nodes["case_id"].map(name).astype("int64")
    nodes = nodes.drop(columns="component").sort_values(["cluster", "day", "case_id"], ignore_index=True)
    edges = pd.DataFrame({"index_case_id": edges["index_case_id"].astype("int64"),
                          "case_id": edges["case_id"].astype("int64")})
    edges["cluster"] = edges["index_case_id"].map(name).astype("int64")
    return Chains(end, nodes, edges, _clusters(nodes, end))


def _components(left: list[int], right: list[int]) -> dict[int, int]:
    """Each node's connected component (union-find over the edges), named by its smallest id."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(left, right):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def _clusters(nodes: pd.DataFrame, end: date) -> pd.DataFrame:
    columns = ["cluster", "kecamatan_code", "size", "first_day", "last_day", "new_7d", "previous_7d", "growth"]
    if nodes.empty:
        return pd.DataFrame(columns=columns)
    last7 = nodes["day"] > pd.Timestamp(end - timedelta(days=7))
    before7 = (nodes["day"] > pd.Timestamp(end - timedelta(days=14))) & ~last7
    grouped = nodes.assign(new_7d=last7.astype(int), previous_7d=before7.astype(int)).groupby("cluster")
    first = nodes.sort_values(["day", "case_id"]).groupby("cluster").first()
    table = pd.DataFrame({
        "size": grouped.size(), "first_day": grouped["day"].min(), "last_day": grouped["day"].max(),
        "new_7d": grouped["new_7d"].sum(), "previous_7d": grouped["previous_7d"].sum(),
        "kecamatan_code": first["kecamatan_code"],
    })
    previous = table["previous_7d"].astype(float)
    table["growth"] = (table["new_7d"] / previous.where(previous > 0)).astype(object)
    table["growth"] = table["growth"].where(table["growth"].notna(), None)
    table = table.reset_index()
    return table.sort_values(["new_7d", "size", "cluster"], ascending=[False, False, True],
                             ignore_index=True)[columns]


@dataclass(frozen=True)
class ChainView:
    """One cluster as drawn: every node and edge, or (too large) counts per generation and status."""

    cluster: int
    size: int
    drawn: bool
    nodes: pd.DataFrame  # case_id, day, status, generation, x, y (drawn)
    edges: pd.DataFrame  # index_case_id, case_id (drawn)
    generations: pd.DataFrame  # generation, status, cases


def chain_view(ch: Chains, cluster: int, max_nodes: int = MAX_DRAWN_NODES) -> ChainView | None:
    """The chain of the cluster named by its earliest case `cluster`; None when there is none."""
    nodes = ch.nodes[ch.nodes["cluster"] == cluster].copy()
    if nodes.empty:
        return None
    edges = ch.edges[ch.edges["cluster"] == cluster][["index_case_id", "case_id"]]
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
    if drawn:
        # y: each generation's cases spread evenly, in order of confirmation.
        nodes = nodes.sort_values(["generation", "day", "case_id"])
        nodes["y"] = nodes.groupby("generation").cumcount() - (nodes.groupby("generation")["case_id"].transform("size") - 1) / 2
        nodes["x"] = nodes["day"]
    return ChainView(cluster, len(nodes), drawn, nodes.reset_index(drop=True), edges.reset_index(drop=True), counts)


@dataclass(frozen=True)
class FollowUp:
    day: date
    overdue_before: datetime
    kecamatan: pd.DataFrame  # kecamatan_code, kecamatan, in_quarantine, overdue
    overdue: pd.DataFrame  # contact_id, index_case_id, kecamatan, relation, listed_at, last_seen, quarantine_until


def follow_up(run: Run, day: date, followup_hours: int, row_limit: int = OVERDUE_ROWS) -> FollowUp:
    """Contacts in quarantine at the end of WIB day `day`, and those overdue for follow-up."""
    at = end_of_day(day)
    before = at - timedelta(hours=followup_hours)
    params = {"day": day, "at": at, "overdue_before": before}
    by_kecamatan = run("tracing_quarantine_kecamatan", **params)
    overdue = run("tracing_overdue_contacts", **params, row_limit=row_limit)
    return FollowUp(day, before, by_kecamatan, overdue)
