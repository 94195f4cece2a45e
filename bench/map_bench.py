"""The live map's query set at city scale, against a naive pandas baseline in the same run.

    .venv/bin/python bench/map_bench.py --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/pekanbaru_city_map

Each run clears the query cache and computes every figure the map page shows for one window
(figures.map.map_figures, plus the area panel of the busiest area; origin arcs, a layer that is off
by default, in a row of their own), as the page
does; p50/p95 over the runs, per role and window. "Sent" is what the browser receives for that
view: the deck specification, the table under the map (as the CSV the page offers) and the panel's
curve. The naive baseline reads the raw rows (cases, test results, movements, reports) of the
window and computes the same figures in pandas, H3 included.

The database needs the H3 cells of migration 0006 (a copy of the city database migrated with
`python -m casedb.migrate URL`; the original stays read only).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import h3  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import text  # noqa: E402

import queries  # noqa: E402
from casedb import boundaries, settings  # noqa: E402
from casedb.engine import get_engine  # noqa: E402
from figures import map as map_figures  # noqa: E402
from figures import common  # noqa: E402
from ui import maps  # noqa: E402

THRESHOLDS = (20.0, 50.0, 150.0)


def page_run(engine, role, start, end, level, hexagons, span, origins=False):
    run = lambda name, **params: queries.run(name, role, engine=engine, **params)  # noqa: E731
    shown = map_figures.map_figures(run, start, end, level, THRESHOLDS, 12, end + timedelta(days=1), hexagons,
                                    with_origins=origins)
    busiest = shown.areas.sort_values("active").iloc[-1]["code"]
    panel = map_figures.area_panel(run, shown, busiest, map_figures.curve_first(span[0], end, settings.get("MAP_AREA_CURVE_DAYS")))
    return shown, panel


def sent_bytes(shown, panel, bounds) -> int:
    spec, _ = maps.map_deck(shown, bounds, maps.LAYERS if shown.origins is not None else maps.DEFAULT_LAYERS, "zone", "id")
    table = shown.areas.to_csv(index=False).encode()
    curve = panel.curve.to_json(date_format="iso").encode()
    return maps.sent_bytes(spec) + len(table) + len(curve)


def naive(engine, start, end):
    """The same figures straight from the raw rows with pandas."""
    with engine.connect() as conn:
        cases = pd.read_sql(text("SELECT kelurahan_code, confirmed_day, recovered_day, died_day, approx_lat, approx_lon "
                                 "FROM cases WHERE confirmed_day <= :end"), conn, params={"end": end})
        tests = pd.read_sql(text("SELECT facility_id, COUNT(*) AS n FROM test_results WHERE result_day BETWEEN :s AND :e "
                                 "GROUP BY facility_id"), conn, params={"s": start, "e": end})
        reports = pd.read_sql(text("SELECT facility_id, report_day, submitted_at FROM facility_reports "
                                   "WHERE report_day BETWEEN :s AND :e"), conn, params={"s": start, "e": end})
        moves = pd.read_sql(text("SELECT entry_point_id, direction, region_code FROM movements WHERE day BETWEEN :s AND :e"),
                            conn, params={"s": start, "e": end})
    for column in ("confirmed_day", "recovered_day", "died_day"):
        cases[column] = pd.to_datetime(cases[column]).dt.date
    window = cases[cases["confirmed_day"] >= start]
    active = cases[~(cases["recovered_day"].notna() & (cases["recovered_day"] <= end))
                   & ~(cases["died_day"].notna() & (cases["died_day"] <= end))]
    areas = pd.DataFrame({"new": window.groupby("kelurahan_code").size(), "active": active.groupby("kelurahan_code").size()})
    located = window.dropna(subset=["approx_lat"])
    cells = pd.Series([h3.latlng_to_cell(y, x, 8) for y, x in zip(located["approx_lat"], located["approx_lon"])]).value_counts()
    entries = moves.groupby(["entry_point_id", "direction"]).size()
    origins = moves[moves["direction"] == "in"].groupby("region_code").size().nlargest(10)
    return areas, cells, tests, reports.groupby("facility_id").size(), entries, origins


def timed(function, runs):
    times = []
    for _ in range(runs):
        queries.clear_cache()
        began = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - began) * 1000)
    return times, result


def p95(values):
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--naive-runs", type=int, default=3)
    args = parser.parse_args()
    engine = get_engine(args.database_url)
    span = common.data_span(lambda name, **p: queries.run(name, "mayor", engine=engine, **p))
    last = span[1]
    bounds = boundaries.load(None)
    cases = [
        ("mayor", "kelurahan", "safe", map_figures.window_bounds("14d", last), False),
        ("mayor", "kelurahan", "safe", map_figures.window_bounds("7d", last), False),
        ("mayor", "kecamatan", "safe", map_figures.window_bounds("today", last), False),
        ("health", "kelurahan", "9", map_figures.window_bounds("14d", last), False),
        ("mayor", "kelurahan", "safe", (last - timedelta(days=89), last), False),
        ("mayor", "kelurahan", "safe", map_figures.window_bounds("14d", last), True),
    ]
    rows = []
    for role, level, hexagons, (start, end), origins in cases:
        times, (shown, panel) = timed(lambda: page_run(engine, role, start, end, level, hexagons, span, origins),
                                      args.runs)
        naive_times, _ = timed(lambda: naive(engine, start, end), args.naive_runs)
        rows.append({"role": role, "level": level, "hexagons": hexagons, "days": (end - start).days + 1,
                     "origin_arcs": origins,
                     "p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95(times), 1),
                     "naive_p50_ms": round(statistics.median(naive_times), 1),
                     "sent_kb": round(sent_bytes(shown, panel, bounds) / 1024, 1),
                     "hexagons_shown": len(shown.hexagons)})
        print(json.dumps(rows[-1]), flush=True)
    print(pd.DataFrame(rows).to_markdown(index=False) if hasattr(pd.DataFrame, "to_markdown") else pd.DataFrame(rows))


if __name__ == "__main__":
    main()
