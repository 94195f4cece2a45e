"""The contact-tracing page's query set for `bench/pages.py`, and the same figures in pandas.

`figures(run)` is what pages/tracing.py computes on its first run for the health office: the data
span, the default period (the last 12 weeks), the indicators per period, week and kecamatan, the
chains and clusters at the period's end, the chain of the first cluster listed, and the contacts
in quarantine overdue for follow-up. `Raw` computes the same figures from the raw `contacts` and
`cases` rows with pandas, days from the timestamps, without the rollup or the query files: the
naive baseline here, and the independent computation of tests/test_queries_tracing.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy.engine import Engine

from bench.page_sets import figure
from figures import tracing as ft
from figures.common import prefetch

ROLE = "health"
WIB = pd.Timedelta(hours=7)


@dataclass
class Page:
    indicators: ft.Indicators
    clusters: ft.Clusters
    chain: ft.ChainView | None
    follow_up: ft.FollowUp


def figures(run) -> Page:
    targets = ft.Targets.from_settings()
    span = figure(run, ft.data_span)
    start, end = ft.default_period(span)
    prefetch(run, ft.page_calls(start, end, targets.followup_hours))  # as pages/tracing.py
    ind = figure(run, ft.indicators, start, end, targets.hours)
    found = figure(run, ft.clusters, end)
    chain = figure(run, ft.chain_view, int(found.table["cluster"].iloc[0]), end) if found.total else None
    return Page(ind, found, chain, figure(run, ft.follow_up, end, targets.followup_hours))


class Raw:
    """The raw contacts and cases, and every figure computed from them in pandas."""

    def __init__(self, engine):
        self.cases = pd.read_sql("SELECT c.id, c.person_key, c.confirmed_at, r.parent_code AS kecamatan "
                                 "FROM cases c JOIN regions r ON r.code = c.kelurahan_code", engine)
        self.contacts = pd.read_sql("SELECT * FROM contacts", engine)
        for frame, columns in ((self.cases, ["confirmed_at"]),
                               (self.contacts, ["listed_at", "traced_at", "tested_at", "quarantine_until",
                                                "last_followup_at"])):
            for c in columns:
                frame[c] = pd.to_datetime(frame[c], format="mixed")
        self.cases["confirmed_day"] = (self.cases["confirmed_at"] + WIB).dt.normalize()

    def indicators(self, start: date, end: date, hours: int, by: str | None = None) -> pd.DataFrame:
        cases = self.cases[(self.cases["confirmed_day"] >= pd.Timestamp(start))
                           & (self.cases["confirmed_day"] <= pd.Timestamp(end))].copy()
        cases["week"] = cases["confirmed_day"] - pd.to_timedelta(cases["confirmed_day"].dt.day_of_week, unit="D")
        listed = cases.merge(self.contacts[["contact_person_key", "listed_at"]], left_on="person_key",
                             right_on="contact_person_key")
        early = set(listed.loc[listed["listed_at"] <= listed["confirmed_at"], "id"])
        cases["listed"] = cases["id"].isin(early)
        contacts = self.contacts.merge(cases, left_on="index_case_id", right_on="id")
        delay = contacts["traced_at"] - contacts["confirmed_at"]
        contacts["in_time"] = delay <= pd.Timedelta(hours=hours)
        keys = [by] if by else []
        per_case = cases.groupby(keys)[["listed"]].agg(["size", "sum"]) if by else None
        if by:
            counts = pd.DataFrame({"cases": per_case[("listed", "size")], "cases_listed": per_case[("listed", "sum")]})
            c = contacts.groupby(by)
            counts = counts.join(pd.DataFrame({
                "contacts": c.size(), "traced": c["traced_at"].count(), "traced_in_time": c["in_time"].sum(),
                "tested": c["tested_at"].count(), "became_cases": c["became_case_id"].count()}), how="left").fillna(0)
            return counts.astype(int)
        return pd.DataFrame([{
            "cases": len(cases), "cases_listed": int(cases["listed"].sum()), "contacts": len(contacts),
            "traced": int(contacts["traced_at"].count()), "traced_in_time": int(contacts["in_time"].sum()),
            "tested": int(contacts["tested_at"].count()), "became_cases": int(contacts["became_case_id"].count())}])

    def _labels(self) -> pd.DataFrame:
        """Every case in a chain and its cluster's label, by repeated label propagation over every
        link (not union-find): case, label, day."""
        links = self.contacts[self.contacts["became_case_id"].notna()]
        left, right = links["index_case_id"].astype(int).tolist(), links["became_case_id"].astype(int).tolist()
        label = {n: n for n in left + right}
        changed = True
        while changed:
            changed = False
            for a, b in zip(left, right):
                low = min(label[a], label[b])
                if label[a] != low or label[b] != low:
                    label[a] = label[b] = low
                    changed = True
        frame = pd.DataFrame({"case": list(label), "label": list(label.values())})
        frame["day"] = frame["case"].map(self.cases.set_index("id")["confirmed_day"])
        frame["at"] = frame["case"].map(self.cases.set_index("id")["confirmed_at"])
        return frame

    def clusters(self, end: date) -> list[tuple]:
        """(earliest case, cases by `end`, of them new in the last 7 days, in the 7 before), for each
        cluster of two or more cases by `end`."""
        out = []
        for _, group in self._labels().groupby("label"):
            first = int(group.sort_values(["at", "case"]).iloc[0]["case"])
            group = group[group["day"] <= pd.Timestamp(end)]
            if len(group) < 2:
                continue
            new = int((group["day"] > pd.Timestamp(end - timedelta(days=7))).sum())
            previous = int(((group["day"] > pd.Timestamp(end - timedelta(days=14)))
                            & (group["day"] <= pd.Timestamp(end - timedelta(days=7)))).sum())
            out.append((first, len(group), new, previous))
        return sorted(out)

    def members(self, cluster: int, end: date) -> list[int]:
        labels = self._labels()
        label = labels.loc[labels["case"] == cluster, "label"].iloc[0]
        mine = labels[(labels["label"] == label) & (labels["day"] <= pd.Timestamp(end))]
        return sorted(mine["case"].astype(int).tolist())

    def follow_up(self, day: date, hours: int) -> tuple[dict, list[int]]:
        at = pd.Timestamp(ft.end_of_day(day))
        k = self.contacts.merge(self.cases[["id", "kecamatan"]], left_on="index_case_id", right_on="id",
                                suffixes=("", "_case"))
        became_at = k["became_case_id"].map(self.cases.set_index("id")["confirmed_at"])
        k = k[(k["quarantine_until"] >= pd.Timestamp(day)) & (k["listed_at"] <= at) & ~(became_at <= at)]
        seen = k["last_followup_at"].fillna(k["traced_at"]).fillna(k["listed_at"])
        overdue = k[seen < at - pd.Timedelta(hours=hours)]
        counts = {kec: (int((k["kecamatan"] == kec).sum()), int((overdue["kecamatan"] == kec).sum()))
                  for kec in set(k["kecamatan"])}
        # The longest overdue first (then by record number), as the page lists them.
        order = overdue.assign(seen=seen[overdue.index]).sort_values(["seen", "id"])
        return counts, order["id"].tolist()




@dataclass
class Naive:
    start: date
    end: date
    city: list[int]
    weekly: list[list[int]]
    kecamatan: list[list[int]]
    clusters: list[tuple]
    first_chain: list[int]
    quarantine: dict
    overdue: list[int]


INDICATORS = ["cases", "cases_listed", "contacts", "traced", "traced_in_time", "tested", "became_cases"]


def naive(engine: Engine) -> Naive:
    targets = ft.Targets.from_settings()
    raw = Raw(engine)
    last = raw.cases["confirmed_day"].max().date()
    start, end = last - timedelta(days=7 * ft.DEFAULT_WEEKS - 1), last
    quarantine, overdue = raw.follow_up(end, targets.followup_hours)
    clusters = raw.clusters(end)
    # The page draws the cluster with the most new cases in 7 days, then the largest, then the first.
    first = min(clusters, key=lambda c: (-c[2], -c[1], c[0]))[0] if clusters else None
    return Naive(start, end, raw.indicators(start, end, targets.hours).iloc[0][INDICATORS].tolist(),
                 raw.indicators(start, end, targets.hours, "week")[INDICATORS].values.tolist(),
                 raw.indicators(start, end, targets.hours, "kecamatan")[INDICATORS].values.tolist(),
                 clusters, [] if first is None else raw.members(first, end), quarantine, overdue)


def check(page: Page, raw: Naive) -> list[tuple[str, object, object]]:
    """(figure, as the page computes it, as pandas over the raw rows computes it) for every figure."""
    ind = page.indicators
    kecamatan = ind.kecamatan[ind.kecamatan["cases"] > 0]
    listed = [(int(c), int(s), int(n), int(p)) for c, s, n, p in
              page.clusters.table[["cluster", "size", "new_7d", "previous_7d"]].values.tolist()]
    fu = page.follow_up
    return [
        ("period", (ind.start, ind.end), (raw.start, raw.end)),
        ("indicators", [int(ind.city[c]) for c in INDICATORS], raw.city),
        ("weekly", ind.weekly[INDICATORS].astype(int).values.tolist(), raw.weekly),
        ("by kecamatan", kecamatan[INDICATORS].astype(int).values.tolist(), raw.kecamatan),
        ("clusters in all", page.clusters.total, len(raw.clusters)),
        ("clusters listed", listed, sorted(raw.clusters, key=lambda c: (-c[2], -c[1], c[0]))[:ft.CLUSTERS_LISTED]),
        ("cases of the chain drawn", [] if page.chain is None else sorted(page.chain.nodes["case_id"].tolist()),
         raw.first_chain),
        ("in quarantine, overdue by kecamatan",
         {r.kecamatan_code: (int(r.in_quarantine), int(r.overdue)) for r in fu.kecamatan.itertuples() if r.in_quarantine},
         raw.quarantine),
        # The page lists the longest overdue first, at most ft.OVERDUE_ROWS.
        ("overdue contacts listed", fu.overdue["contact_id"].tolist(), raw.overdue[:ft.OVERDUE_ROWS]),
    ]


def headline(page: Page) -> str:
    city = page.indicators.city
    return (f"{page.indicators.start}..{page.indicators.end}: {int(city['contacts']):,} contacts of "
            f"{int(city['cases']):,} cases, {page.clusters.total:,} clusters, "
            f"{len(page.follow_up.overdue):,} overdue listed")
