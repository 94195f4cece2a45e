"""The live map's query set for `bench/pages.py`.

`figures(run)` is what pages/map.py computes for `mayor` with every layer on: the data span, the
default day and window (14 days ending on the last complete day), kelurahan areas, the press-safe
hexagons, facility status, entry points, the origin arcs (a layer that is off by default, here on:
the costliest view), and the panel of the area with the most active cases (what a click on an area
opens). `naive(engine)` computes the same figures with pandas over the raw `cases`, `test_results`,
`facility_reports` and `movements` rows, WIB days from the timestamps (not the stored `*_day`
columns, not the rollups), H3 cells from the cases' coordinates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import h3
import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Engine

from casedb import settings
from casedb.wib import today_wib
from bench.page_sets import figure
from figures import common
from figures import map as map_figures

WIB = pd.Timedelta(hours=7)
ROLE = "mayor"
WINDOW = "14d"


@dataclass
class Page:
    shown: map_figures.MapFigures
    panel: map_figures.AreaPanel
    first: date


def _view(last: date) -> tuple[date, date]:
    return map_figures.window_bounds(WINDOW, last)


def figures(run) -> Page:
    span = figure(run, common.data_span)
    start, end = _view(common.default_day(span, today_wib()))
    shown = figure(run, map_figures.map_figures, start, end, "kelurahan", settings.get("ZONE_THRESHOLDS"),
                   settings.get("REPORT_DEADLINE_HOUR"), today_wib(), "safe", with_origins=True)
    busiest = shown.areas.sort_values(["active", "code"]).iloc[-1]["code"]
    first = map_figures.curve_first(span[0], end, settings.get("MAP_AREA_CURVE_DAYS"))
    return Page(shown, map_figures.area_panel(run, shown, busiest, first), first)


@dataclass
class Naive:
    window: tuple[date, date]
    new_cases: dict[str, int]
    cases_7d: dict[str, int]
    active: dict[str, int]
    hexagons: dict[str, int]
    tests: dict[int, int]
    reports: dict[int, tuple[int, int]]  # facility -> (reports in the window, on time)
    entry_points: dict[int, tuple[int, int]]
    origins: list[tuple[str, int]]
    confirmed_wib: pd.Series  # per case: WIB day of confirmation (for the panel's curve)
    kelurahan: pd.Series  # per case: home kelurahan


def _wib_day(moments: pd.Series) -> pd.Series:
    return (pd.to_datetime(moments, format="mixed") + WIB).dt.date


def naive(engine: Engine) -> Naive:
    with engine.connect() as conn:
        cases = pd.read_sql(text("SELECT kelurahan_code, confirmed_at, recovered_at, died_at, approx_lat, approx_lon "
                                 "FROM cases"), conn)
        last_result = conn.execute(text("SELECT MAX(result_at) FROM test_results")).scalar_one()
    confirmed, recovered, died = (_wib_day(cases[c]) for c in ("confirmed_at", "recovered_at", "died_at"))
    last_day = max(confirmed.max(), recovered.dropna().max(), died.dropna().max(), _wib_day(pd.Series([last_result]))[0])
    start, end = _view(common.default_day((None, last_day), today_wib()))
    # The raw events of the window, selected by timestamp (WIB midnight in naive UTC).
    bounds = {"a": (pd.Timestamp(start) - WIB).to_pydatetime(),
              "b": (pd.Timestamp(end) + pd.Timedelta(days=1) - WIB).to_pydatetime()}
    with engine.connect() as conn:
        tests = pd.read_sql(text("SELECT facility_id, result_at FROM test_results WHERE result_at >= :a AND result_at < :b"),
                            conn, params=bounds)
        reports = pd.read_sql(text("SELECT facility_id, report_day, submitted_at FROM facility_reports "
                                   "WHERE report_day BETWEEN :s AND :e"), conn, params={"s": start, "e": end})
        moves = pd.read_sql(text("SELECT entry_point_id, direction, region_code, at FROM movements "
                                 "WHERE at >= :a AND at < :b"), conn, params=bounds)
        known = set(pd.read_sql(text("SELECT code FROM external_regions"), conn)["code"])

    def ended(day: pd.Series) -> pd.Series:
        return day.notna() & (day.map(lambda d: d is not None and not pd.isna(d) and d <= end))

    in_window = (confirmed >= start) & (confirmed <= end)
    week = (confirmed >= end - timedelta(days=6)) & (confirmed <= end)
    active = (confirmed <= end) & ~ended(recovered) & ~ended(died)
    kel = cases["kelurahan_code"]

    located = cases[in_window & cases["approx_lat"].notna()]
    r8 = pd.Series([h3.cell_to_parent(h3.latlng_to_cell(y, x, 9), 8)
                    for y, x in zip(located["approx_lat"], located["approx_lon"])]).value_counts()
    hexagons = {cell: int(n) for cell, n in r8.items() if n >= map_figures.SAFE_MINIMUM}
    small = r8[r8 < map_figures.SAFE_MINIMUM]
    parents = small.groupby([h3.cell_to_parent(c, 7) for c in small.index]).sum()
    hexagons.update({cell: int(n) for cell, n in parents.items() if n >= map_figures.SAFE_MINIMUM})

    deadline = pd.Timedelta(hours=24 + settings.get("REPORT_DEADLINE_HOUR")) - WIB
    report_day = pd.to_datetime(reports["report_day"])
    reports["on_time"] = pd.to_datetime(reports["submitted_at"], format="mixed") <= report_day + deadline
    wib = _wib_day(moves["at"])
    moves = moves[(wib >= start) & (wib <= end)]
    entering = moves[moves["direction"] == "in"]
    origins = entering[entering["region_code"].isin(known)].groupby("region_code").size()
    top = sorted(((-int(n), code) for code, n in origins.items()))[:map_figures.TOP_ORIGINS]
    return Naive(
        (start, end),
        {k: int(v) for k, v in in_window.groupby(kel).sum().items() if v},
        {k: int(v) for k, v in week.groupby(kel).sum().items() if v},
        {k: int(v) for k, v in active.groupby(kel).sum().items() if v},
        hexagons,
        {int(k): int(v) for k, v in tests.groupby("facility_id").size().items()},
        {int(k): (len(g), int(g["on_time"].sum())) for k, g in reports.groupby("facility_id")},
        {int(k): (int((g["direction"] == "in").sum()), int((g["direction"] == "out").sum()))
         for k, g in moves.groupby("entry_point_id")},
        [(code, -n) for n, code in top],
        confirmed, kel,
    )


def check(page: Page, raw: Naive) -> list[tuple[str, object, object]]:
    """(figure, as the page computes it, as pandas over the raw rows computes it) for every figure."""
    shown, panel = page.shown, page.panel
    areas = shown.areas.set_index("code")
    nonzero = lambda column: {k: int(v) for k, v in areas[column].items() if v}  # noqa: E731
    facilities = shown.facilities.set_index("id")
    points = shown.entry_points.set_index("id")
    in_area = raw.kelurahan == panel.code
    curve_days = raw.confirmed_wib[in_area & (raw.confirmed_wib >= page.first) & (raw.confirmed_wib <= shown.end)]
    counted = curve_days.value_counts()
    return [
        ("window", (shown.start, shown.end), raw.window),
        ("new cases per kelurahan", nonzero("new_cases"), raw.new_cases),
        ("cases in the last 7 days per kelurahan", nonzero("cases_7d"), raw.cases_7d),
        ("active cases per kelurahan", nonzero("active"), raw.active),
        ("hexagons (press rule)", {c: int(n) for c, n in zip(shown.hexagons["cell"], shown.hexagons["new_cases"])},
         raw.hexagons),
        ("tests per facility", {int(k): int(v) for k, v in facilities["tests"].items() if v}, raw.tests),
        ("reports and on time per facility",
         {int(k): (int(r.reports), int(r.on_time)) for k, r in facilities.iterrows() if r.reports}, raw.reports),
        ("entries and exits per entry point",
         {int(k): (int(r.entries), int(r.exits)) for k, r in points.iterrows() if r.entries or r.exits},
         raw.entry_points),
        ("origin arcs", list(zip(shown.origins["code"], shown.origins["entries"].astype(int))), raw.origins),
        (f"panel curve of {panel.code}", {d.date(): int(n) for d, n in zip(panel.curve["day"], panel.curve["new_cases"]) if n},
         {d: int(n) for d, n in counted.items()}),
    ]


def headline(page: Page) -> str:
    shown = page.shown
    return (f"{shown.start}..{shown.end}: {int(shown.areas['new_cases'].sum()):,} new cases, "
            f"{int(shown.areas['active'].sum()):,} active, {len(shown.hexagons)} hexagons, "
            f"{len(shown.facilities)} facilities, panel {page.panel.code}")
