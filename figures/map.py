"""The live map's figures, assembled from named queries: areas, hexagons, facilities, entry points.

Like every figure function, these take `run(name, **params) -> DataFrame`, so that tests check the
figures exactly as the page shows them. No Streamlit here; ui/maps.py draws them.

Area figures equal the overview's: kecamatan new cases and populations come from the overview's own
`kecamatan_cases`, kelurahan ones from `map_kelurahan_cases`, whose city totals are the overview's
(tested). Weekly incidence is always the 7 days ending on the window's last day (DESIGN 3), whatever
the window, so that an area's zone does not depend on the window chosen.

Hexagons: the mayor's come ready from SQL (`map_case_cells`: resolution 8, cells of 1-4 merged into
their resolution-7 parent or dropped); health may ask for resolution 9, 8 or 7 unmerged
(`map_case_cells_fine`, health only). No query here returns a coordinate of a case.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from figures.common import Run, window, zone

WINDOWS = ("today", "7d", "14d", "custom")
WINDOW_LENGTH = {"today": 1, "7d": 7, "14d": 14}
LEVELS = ("kelurahan", "kecamatan")
MEASURES = ("active", "new_cases", "incidence", "zone")
HEXAGON_CHOICES = {"mayor": ("safe",), "health": ("safe", "9", "8", "7")}
SAFE_MINIMUM = 5  # press rule: a hexagon shows 5 or more cases
TOP_ORIGINS = 10
# Reporting status (DESIGN 3), the map's simple version: see facility_status.
GREEN_REPORTING, GREEN_ON_TIME, AMBER_REPORTING, SILENT_DAYS = 0.95, 0.90, 0.80, 3
STATUSES = ("green", "amber", "red", "not_expected")
LOOKBACK_DAYS = 30  # how far before the window the last report is looked for (silent days)


@dataclass(frozen=True)
class MapFigures:
    start: date
    end: date
    level: str
    areas: pd.DataFrame  # code, name, population, new_cases, active, cases_7d, incidence, zone
    hexagons: pd.DataFrame  # cell, resolution, new_cases
    facilities: pd.DataFrame  # id, name, type, lat, lon, tests, expected, reports, on_time, status
    entry_points: pd.DataFrame  # id, code, name, type, lat, lon, entries, exits
    origins: pd.DataFrame | None  # code, name, centroid_lat, centroid_lon, entries (when asked for)


@dataclass(frozen=True)
class AreaPanel:
    code: str
    name: str
    figures: pd.Series  # one row of MapFigures.areas
    curve: pd.DataFrame  # day, new_cases, average_7d, incomplete
    facilities: pd.DataFrame  # the facilities inside the area


def window_bounds(choice: str, day: date, custom: tuple[date, date] | None = None) -> tuple[date, date]:
    """The WIB days a window choice covers, ending on `day` (custom: the range chosen)."""
    if choice == "custom":
        if not custom:
            raise ValueError("a custom window needs a range")
        start, end = sorted(custom)
        return start, end
    return window(day, WINDOW_LENGTH[choice])


def _int(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series).fillna(0).astype("int64")


def kelurahan_areas(run: Run, start: date, end: date, thresholds) -> pd.DataFrame:
    areas = run("map_kelurahan_cases", start=start, end=end, week_start=window(end)[0])
    for column in ("new_cases", "cases_7d", "active"):
        areas[column] = _int(areas[column])
    return _with_incidence(areas[["code", "name", "kecamatan_code", "population", "new_cases", "active", "cases_7d"]],
                           thresholds)


def kecamatan_areas(run: Run, start: date, end: date, thresholds) -> pd.DataFrame:
    """From the overview's own query (kecamatan_cases); active summed from the kelurahan query."""
    areas = run("kecamatan_cases", start=start, end=end)
    week = run("kecamatan_cases", start=window(end)[0], end=end).set_index("code")["new_cases"]
    active = run("map_kelurahan_cases", start=start, end=end, week_start=window(end)[0]) \
        .groupby("kecamatan_code")["active"].sum()
    areas["new_cases"] = _int(areas["new_cases"])
    areas["active"] = _int(areas["code"].map(active))
    areas["cases_7d"] = _int(areas["code"].map(week))
    return _with_incidence(areas[["code", "name", "population", "new_cases", "active", "cases_7d"]], thresholds)


def _with_incidence(areas: pd.DataFrame, thresholds) -> pd.DataFrame:
    population = areas["population"].astype(float)
    areas = areas.assign(incidence=areas["cases_7d"] * 100_000 / population.where(population > 0))
    areas["zone"] = [zone(x, thresholds) for x in areas["incidence"]]
    return areas.reset_index(drop=True)


def hexagons(run: Run, start: date, end: date, choice: str = "safe") -> pd.DataFrame:
    """cell, resolution, new_cases. "safe": the mayor's (SQL-merged, 5 or more each); "9"/"8"/"7":
    health's unmerged cells at that resolution."""
    if choice == "safe":
        cells = run("map_case_cells", start=start, end=end)
    else:
        fine = run("map_case_cells_fine", start=start, end=end)
        column = f"h3_r{int(choice)}"
        cells = fine.groupby(column, as_index=False)["new_cases"].sum().rename(columns={column: "cell"})
        cells.insert(1, "resolution", int(choice))
    cells["resolution"] = _int(cells["resolution"])
    cells["new_cases"] = _int(cells["new_cases"])
    return cells[["cell", "resolution", "new_cases"]].reset_index(drop=True)


def expected_days(opened_on, closed_on, closed_weekdays: str, start: date, end: date) -> int:
    """WIB days in start..end on which the facility is open: from its opening day, before its
    closing day, not on a weekly closed day (ISO weekday digits, "7" = Sunday)."""
    return int(expected_days_each([opened_on], [closed_on], [closed_weekdays], start, end)[0])


def expected_days_each(opened_on, closed_on, closed_weekdays, start: date, end: date) -> np.ndarray:
    """expected_days for every facility at once: one numpy count per weekday instead of a calendar
    per facility (the per-facility calendars were two thirds of the map's client time at city scale)."""
    opened = pd.to_datetime(pd.Series(list(opened_on), dtype=object)).to_numpy(dtype="datetime64[D]")
    closed = pd.to_datetime(pd.Series(list(closed_on), dtype=object)).to_numpy(dtype="datetime64[D]")
    first = np.maximum(np.datetime64(start, "D"), opened)
    after_end = np.datetime64(end, "D") + 1
    stop = np.where(np.isnat(closed), after_end, np.minimum(after_end, closed))  # first day not counted
    stop = np.maximum(stop, first)
    counts = (stop - first).astype("int64")
    weekdays = [str(w) if isinstance(w, str) else "" for w in closed_weekdays]
    for day in range(1, 8):  # ISO weekday; numpy's weekmask starts on Monday too
        closed_that_day = np.array([str(day) in w for w in weekdays], dtype=bool)
        if closed_that_day.any():
            only = [int(i == day - 1) for i in range(7)]
            counts -= np.where(closed_that_day, np.busday_count(first, stop, weekmask=only), 0)
    return counts


def facility_status(run: Run, start: date, end: date, deadline_hour: int, as_of: date) -> pd.DataFrame:
    """Facilities with their tests in the window and a reporting status (DESIGN 3): green
    (reporting >= 95% and on time >= 90%), amber (reporting >= 80%), red (below, or silent 3 days
    or more). Expected days are the open days of the window up to the day before `as_of` (a day's
    report is due the next day), for facilities that must report daily; the others are
    "not_expected". One named query (`map_facility_status`), to be swapped for the compliance
    page's full definitions (valid authorisations included) when they exist."""
    facilities = run("map_facility_status", start=start, end=end, since=start - timedelta(days=LOOKBACK_DAYS),
                     deadline_hour=deadline_hour)
    due_end = min(end, as_of - timedelta(days=1))
    facilities["tests"] = _int(facilities["tests"])
    facilities["reports"] = _int(facilities["reports"])
    facilities["on_time"] = _int(facilities["on_time"])
    daily = facilities["reports_daily"].fillna(False).astype(bool).to_numpy()
    facilities["expected"] = np.where(daily, expected_days_each(
        facilities["opened_on"], facilities["closed_on"], facilities["closed_weekdays"], start, due_end), 0) \
        if due_end >= start else 0
    expected = facilities["expected"].where(facilities["expected"] > 0)
    facilities["reporting_rate"] = (facilities["reports"].clip(upper=facilities["expected"]) / expected)
    facilities["on_time_rate"] = (facilities["on_time"].clip(upper=facilities["expected"]) / expected)
    last = pd.to_datetime(facilities["last_report_day"])
    silent = (pd.Timestamp(due_end) - last).dt.days
    facilities["silent_days"] = silent.where(last.notna())
    reporting, on_time = facilities["reporting_rate"].to_numpy(), facilities["on_time_rate"].to_numpy()
    silent_days = facilities["silent_days"].to_numpy(dtype="float64")
    facilities["status"] = np.select(
        [facilities["expected"].to_numpy() == 0, np.isnan(silent_days) | (silent_days >= SILENT_DAYS),
         (reporting >= GREEN_REPORTING) & (on_time >= GREEN_ON_TIME), reporting >= AMBER_REPORTING],
        ["not_expected", "red", "green", "amber"], default="red")
    facilities["status"] = facilities["status"].astype("str")
    return facilities[["id", "registry_code", "name", "type", "kelurahan_code", "lat", "lon", "tests", "expected",
                       "reports", "on_time", "reporting_rate", "on_time_rate", "silent_days", "status"]]


def entry_points(run: Run, start: date, end: date) -> pd.DataFrame:
    points = run("map_entry_points", start=start, end=end)
    points["entries"] = _int(points["entries"])
    points["exits"] = _int(points["exits"])
    return points


def origins(run: Run, start: date, end: date, top: int = TOP_ORIGINS) -> pd.DataFrame:
    regions = run("map_origins", start=start, end=end, top=top)
    regions["entries"] = _int(regions["entries"])
    return regions


def map_figures(run: Run, start: date, end: date, level: str, thresholds, deadline_hour: int, as_of: date,
                hexagon_choice: str = "safe", with_origins: bool = False) -> MapFigures:
    """Every figure of the map for WIB days start..end."""
    areas = (kelurahan_areas if level == "kelurahan" else kecamatan_areas)(run, start, end, thresholds)
    return MapFigures(
        start=start, end=end, level=level, areas=areas,
        hexagons=hexagons(run, start, end, hexagon_choice),
        facilities=facility_status(run, start, end, deadline_hour, as_of),
        entry_points=entry_points(run, start, end),
        origins=origins(run, start, end) if with_origins else None,
    )


def curve_first(first_day: date, end: date, days: int) -> date:
    """The first day of the area panel's curve: `days` days ending on `end`, none before the first
    day with data."""
    return max(first_day, end - timedelta(days=days - 1))


def area_panel(run: Run, figures: MapFigures, code: str, first: date, incomplete_from: date = date.max) -> AreaPanel | None:
    """The selected area's panel: its figures, its epidemic curve first..end (days from
    `incomplete_from` marked incomplete; `curve_first` bounds it), its facilities."""
    match = figures.areas[figures.areas["code"] == code]
    if match.empty:
        return None
    row = match.iloc[0]
    daily = run("map_area_daily", code=code, start=first, end=figures.end)
    days = pd.date_range(first, figures.end, freq="D")
    counts = _int(daily.set_index("day")["new_cases"]).reindex(days, fill_value=0) if not daily.empty \
        else pd.Series(0, index=days)
    curve = pd.DataFrame({"day": days, "new_cases": counts.to_numpy()})
    curve["average_7d"] = curve["new_cases"].rolling(7, min_periods=7).mean()
    curve["incomplete"] = curve["day"].dt.date >= incomplete_from
    inside = figures.facilities["kelurahan_code"].astype(str)
    in_area = (inside == code) | inside.str.startswith(code + ".")
    return AreaPanel(code=code, name=str(row["name"]), figures=row, curve=curve,
                     facilities=figures.facilities[in_area].reset_index(drop=True))


def slider_days(span: tuple[date, date], today: date) -> list[date]:
    """The days the replay slider steps through: the first day with data to today or the last
    day with data, whichever is later (as the overview's day picker)."""
    return [d.date() for d in pd.date_range(span[0], max(span[1], today), freq="D")]
