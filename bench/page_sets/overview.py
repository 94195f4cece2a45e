"""The overview's query set for `bench/pages.py`.

`figures(run)` is what pages/overview.py computes on its first run for the mayor: the data span, the
default day (today in WIB, or the last day with data) and `figures.overview` for it. `naive(engine)`
computes the same figures from the raw `cases`, `test_results` and `regions` rows with pandas, from
the timestamps (not the stored `*_day` columns, not the rollups): the baseline a dashboard without
rollups would pay on every run. `check` lists every figure of both, side by side.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy.engine import Engine

from casedb import settings
from casedb.wib import today_wib
from bench.page_sets import figure
from figures import overview as overview_figures
from figures.common import ZONES

WIB = pd.Timedelta(hours=7)


def figures(run) -> overview_figures.Overview:
    span = figure(run, overview_figures.data_span)
    day = overview_figures.default_day(span, today_wib())
    return figure(run, overview_figures.overview, day, span, settings.get("INCOMPLETE_DAYS"),
                  settings.get("ZONE_THRESHOLDS"))


@dataclass
class Naive:
    day: date
    span: tuple[date, date]
    tiles: dict[str, tuple]
    curve_first: date
    curve_new_cases: list[int]
    kecamatan: pd.DataFrame  # code, new_cases, incidence, zone


def _wib_day(moments: pd.Series) -> pd.Series:
    """WIB days as datetime64 (NaT stays NaT), from naive-UTC moments."""
    return (pd.to_datetime(moments, format="mixed") + WIB).dt.normalize()


def naive(engine: Engine, day: date | None = None) -> Naive | None:
    """The overview's figures for `day` (default: the page's default day) from the raw rows; None
    for a database without any case event or test result."""
    with engine.connect() as conn:
        cases = pd.read_sql("SELECT kelurahan_code, confirmed_at, recovered_at, died_at FROM cases", conn)
        tests = pd.read_sql("SELECT person_key, test_type, result, result_at FROM test_results", conn)
        regions = pd.read_sql("SELECT code, level, parent_code, population FROM regions", conn)
    confirmed = _wib_day(cases["confirmed_at"])
    recovered = _wib_day(cases["recovered_at"])
    died = _wib_day(cases["died_at"])
    result_day = _wib_day(tests["result_at"])

    days = pd.concat([confirmed, recovered.dropna(), died.dropna(), result_day]).dropna()
    if days.empty:
        return None
    first, last = days.min().date(), days.max().date()
    day = day or overview_figures.default_day((first, last), today_wib())  # the page's day rule, not a figure

    def tile(key: str, d: date):
        d = pd.Timestamp(d)
        if key == "new_cases":
            return int((confirmed == d).sum())
        if key in ("active", "recovered", "died"):
            rec = recovered.notna() & (recovered <= d)
            dead = died.notna() & (died <= d)
            return {"active": int(((confirmed <= d) & ~rec & ~dead).sum()),
                    "recovered": int(rec.sum()), "died": int(dead.sum())}[key]
        kind, test_type = key.split("_", 1)
        if kind == "tests":
            return int(((result_day == d) & (tests["test_type"] == test_type)).sum())
        in_window = tests[(result_day > d - pd.Timedelta(days=7)) & (result_day <= d)
                          & (tests["test_type"] == test_type) & tests["result"].isin(["positive", "negative"])]
        tested = in_window["person_key"].nunique()
        positive = in_window.loc[in_window["result"] == "positive", "person_key"].nunique()
        return positive / tested if tested else None

    keys = ("new_cases", "active", "recovered", "died", "tests_pcr", "tests_antigen", "tests_antibody",
            "positivity_pcr", "positivity_antigen")
    tiles = {key: tuple(tile(key, day - timedelta(days=k)) for k in (0, 1, 7)) for key in keys}

    per_day = confirmed.value_counts()
    first = min(first, day)
    curve = [int(per_day.get(d, 0)) for d in pd.date_range(first, day)]

    end = pd.Timestamp(day)
    in_week = cases[(confirmed > end - pd.Timedelta(days=7)) & (confirmed <= end)]
    parent = regions.set_index("code")["parent_code"]
    per_kecamatan = in_week["kelurahan_code"].map(parent).value_counts()
    kecamatan = regions[regions["level"] == "kecamatan"].sort_values("code")
    new_cases = kecamatan["code"].map(per_kecamatan).fillna(0).astype(int)
    incidence = new_cases * 100_000 / kecamatan["population"]
    zones = pd.cut(incidence, [-float("inf"), *settings.get("ZONE_THRESHOLDS"), float("inf")], right=False,
                   labels=list(ZONES)).astype(str)
    return Naive(day, (days.min().date(), last), tiles, first, curve, pd.DataFrame({
        "code": kecamatan["code"].to_numpy(), "new_cases": new_cases.to_numpy(),
        "incidence": incidence.to_numpy(), "zone": zones.to_numpy()}))


def check(page: overview_figures.Overview, raw: Naive) -> list[tuple[str, object, object]]:
    """(figure, as the page computes it, as pandas over the raw rows computes it) for every figure."""
    rows: list[tuple[str, object, object]] = [("day", page.day, raw.day)]
    for tile in page.tiles:
        for offset, value, want in zip((0, 1, 7), tile.values, raw.tiles[tile.key]):
            rows.append((f"{tile.key} D-{offset}", _rounded(value), _rounded(want)))
    curve = page.curve
    rows.append(("curve first day", curve["day"].iloc[0].date(), raw.curve_first))
    rows.append(("curve new cases, every day", [int(v) for v in curve["new_cases"]], raw.curve_new_cases))
    week = raw.curve_new_cases[-7:]
    rows.append(("curve 7-day average on D", _rounded(curve["average_7d"].iloc[-1]),
                 _rounded(sum(week) / 7) if len(week) == 7 else None))
    incomplete = settings.get("INCOMPLETE_DAYS")
    incomplete_from = raw.span[1] - timedelta(days=incomplete - 1) if incomplete else date.max
    rows.append(("curve days marked incomplete", [d.date() for d in curve.loc[curve["incomplete"], "day"]],
                 [d.date() for d in pd.date_range(raw.curve_first, raw.day) if d.date() >= incomplete_from]))
    table = page.kecamatan.reset_index(drop=True)
    for column in ("code", "new_cases", "zone"):
        rows.append((f"kecamatan {column}", list(table[column]), list(raw.kecamatan[column])))
    rows.append(("kecamatan incidence", [_rounded(v) for v in table["incidence"]],
                 [_rounded(v) for v in raw.kecamatan["incidence"]]))
    return rows


def headline(page: overview_figures.Overview) -> str:
    """A few of the figures, for the report."""
    values = {tile.key: tile.value for tile in page.tiles}
    return (f"D = {page.day}: new {values['new_cases']}, active {values['active']}, "
            f"PCR tests {values['tests_pcr']}")


def _rounded(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return round(value, 9)
    return value
