"""Movement into and out of the city (DESIGN section 3, "Movement"; issue 13).

Everything here reads the movement rollups (casedb.rollups), so that the page's queries cost the
same whatever the length of the history. `run(name, **params)` is `ui.live.query` on the page and
`queries.run` bound to a role and engine in the tests.

Definitions used (where the issue and DESIGN are silent, decided here):
- A day is the WIB day of the checkpoint record; entries are movements `in`, exits `out`, net flow
  = entries - exits. A traveller passing twice counts twice: these are crossings, not people.
- 7-day average: right-aligned mean of D-6..D. "The week before" is D-7; "a year before" is D-364
  (52 weeks, so that weekdays line up).
- Valid-document share: entries whose document status is `valid` over all entries (entries with no
  document count in the denominator, as status `none`).
- Screening positivity: positive over positive + negative results of on-the-spot tests, per test
  type, never mixed; invalid results count for neither. Tests, not people: a traveller screened
  twice counts twice (the daily rollup cannot tell people apart, and a crossing is what is screened).
- Imported share: imported cases (the person entered in the 14 days before confirmation,
  casedb.ingest.cases) over new cases, by WIB day of confirmation; its 7-day form sums both over
  D-6..D.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from casedb.schema import DOCUMENT_STATUSES, TRAVEL_MODES
from figures.common import Run, day_offsets, prefetch

WINDOW_DAYS = 28
AVERAGE_DAYS = 7
WEEK = timedelta(days=7)
YEAR = timedelta(days=364)  # 52 weeks: the same weekdays a year before
TOP_REGIONS = 10
ARCS_PER_DIRECTION = 15
DOCUMENT_PROBLEMS = tuple(s for s in DOCUMENT_STATUSES if s != "valid")
# Tests whose positivity is shown, each apart; '' is a record that did not name its test.
SCREENING_TYPES = ("pcr", "antigen", "antibody", "")
SCREENING_COUNTS = ("screened", "positive", "negative", "invalid")

# Holidays marked on the flow charts: Idul Fitri (1 and 2 Syawal), Christmas and New Year's Day.
# Source: the joint decrees of the Ministers of Religious Affairs, Manpower and Administrative
# Reform (SKB 3 Menteri) on national holidays for 2019-2026; 2027 and 2028 are the published
# hisab estimates, to be replaced by their decrees. The demo city's travel peaks use the same
# Idul Fitri days (casedb.demo.timeline.IDUL_FITRI).
IDUL_FITRI = (
    ("2019-06-05", "2019-06-06"), ("2020-05-24", "2020-05-25"), ("2021-05-13", "2021-05-14"),
    ("2022-05-02", "2022-05-03"), ("2023-04-22", "2023-04-23"), ("2024-04-10", "2024-04-11"),
    ("2025-03-31", "2025-04-01"), ("2026-03-20", "2026-03-21"), ("2027-03-10", "2027-03-11"),
    ("2028-02-27", "2028-02-28"),
)
HOLIDAYS: tuple[tuple[date, str], ...] = tuple(sorted(
    [(date.fromisoformat(d), "idul_fitri") for pair in IDUL_FITRI for d in pair]
    + [(date(y, 12, 25), "christmas") for y in range(2019, 2029)]
    + [(date(y, 1, 1), "new_year") for y in range(2019, 2030)]
))


@dataclass(frozen=True)
class Movement:
    start: date
    end: date
    daily: pd.DataFrame  # day, entries, exits, net, *_7d, *_week_before, *_year_before (None: no data then)
    comparison: pd.DataFrame  # period (last_7, previous_7, year_before_7), start, end, entries, exits, net
    by_entry_point: pd.DataFrame  # entry_point_id, entry_point, type, entries, exits, net
    entry_point_daily: pd.DataFrame  # day, entry_point, entries, exits
    by_mode: pd.DataFrame  # mode, entries, exits, net
    mode_daily: pd.DataFrame  # day, mode, entries, exits
    hours: pd.DataFrame  # hour (WIB), entries, exits
    provinces: pd.DataFrame  # province_code ('' not stated), province, entries, exits
    regencies: pd.DataFrame  # code, regency, province, entries, exits (regency-level records only)
    arcs: pd.DataFrame  # direction, code, name, lat, lon, movements (the busiest per direction)
    documents: pd.DataFrame  # entry_point, entries, valid, valid_share, one column per problem
    document_trend: pd.DataFrame  # day, entry_point (None: all), entries, valid, valid_share
    screening: pd.DataFrame  # test_type, screened, positive, negative, invalid, positivity
    screening_trend: pd.DataFrame  # day, test_type, positive_7d, tested_7d, positivity_7d
    imported: pd.DataFrame  # day, new_cases, imported_cases, share, share_7d
    imported_total: tuple[int, int, float | None]  # new cases, imported, share over the window
    imported_origin: pd.DataFrame | None  # health only: province, regency, imported_cases
    holidays: pd.DataFrame  # day, kind, year_before (a holiday of a year before, at its day + 364)


def span(run: Run) -> tuple[date, date] | None:
    """(first, last) WIB day with any checkpoint record; None when there is none."""
    row = run("movement_span").iloc[0]
    if pd.isna(row["first_day"]):
        return None
    return row["first_day"].date(), row["last_day"].date()


def default_window(span: tuple[date, date] | None, today: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The last `days` days up to the last complete day (yesterday in WIB, or the last day with
    records when they end earlier)."""
    end = today - timedelta(days=1)
    if span is not None:
        end = min(end, span[1])
    return end - timedelta(days=days - 1), end


def holidays_between(start: date, end: date) -> list[tuple[date, str]]:
    return [(d, kind) for d, kind in HOLIDAYS if start <= d <= end]


def _int(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("int64")
    return frame


# The assembly below works on numpy arrays indexed by day wherever it can: the frames are small
# (a window's rollup rows), so pandas' fixed cost per operation, not the data, set the page's time
# (about 190 ms for some hundred groupby/reindex/unstack calls at city scale). Each helper does one
# grouping or one array operation per figure instead.

def _split(flows: pd.DataFrame) -> pd.DataFrame:
    """`flows` (direction, movements) with `entries` and `exits` beside, so that one grouping sums both."""
    moves = pd.to_numeric(flows["movements"]).fillna(0).to_numpy(dtype="int64")
    direction = flows["direction"].to_numpy(dtype=object)
    return flows.assign(movements=moves, entries=np.where(direction == "in", moves, 0),
                        exits=np.where(direction == "out", moves, 0))


def _by_direction(flows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Entries and exits side by side per `keys` (rows of _split), sorted by the keys."""
    if flows.empty:
        return pd.DataFrame({**{k: flows[k] for k in keys}, "entries": pd.Series(dtype="int64"),
                             "exits": pd.Series(dtype="int64")})
    # groupby(keys).sum() in numpy: each key's sorted codes, one flat code per row, a bincount per
    # column; rows with a missing key are left out, as groupby does.
    codes, uniques = zip(*(pd.factorize(flows[k], sort=True) for k in keys))
    known = np.logical_and.reduce([c >= 0 for c in codes])
    sizes = tuple(len(u) for u in uniques)
    present, group = np.unique(np.ravel_multi_index(tuple(c[known] for c in codes), sizes), return_inverse=True)
    at = np.unravel_index(present, sizes)
    return pd.DataFrame({**{k: uniques[i].take(at[i]) for i, k in enumerate(keys)},
                         **{c: np.bincount(group, weights=flows[c].to_numpy(dtype="float64")[known],
                                           minlength=len(present)).astype("int64") for c in ("entries", "exits")}})


def _per_day(frame: pd.DataFrame, columns, first: date, length: int) -> dict[str, np.ndarray]:
    """Sums of `columns` per day, first..first + length - 1, as int64 arrays (0 on days without rows)."""
    at = day_offsets(frame["day"], first)
    inside = (at >= 0) & (at < length)
    return {c: np.bincount(at[inside], weights=frame[c].to_numpy(dtype="float64")[inside], minlength=length)
            .astype("int64") for c in columns}


def _rolling_sum(values: np.ndarray, days: int = AVERAGE_DAYS) -> np.ndarray:
    """Right-aligned sum of `days` values (NaN before a full span), exact for counts."""
    sums = np.cumsum(np.concatenate([[0], values]), dtype="float64")
    out = np.full(len(values), np.nan)
    out[days - 1:] = sums[days:] - sums[:-days]
    return out


def _nullable(values: np.ndarray, missing: np.ndarray) -> pd.arrays.FloatingArray:
    return pd.arrays.FloatingArray(values.astype("float64"), missing)


def _daily(flows: pd.DataFrame, year_flows: pd.DataFrame, start: date, end: date,
           first_day: date | None) -> pd.DataFrame:
    fetched_from = min(start, end - timedelta(days=6)) - WEEK
    days = pd.date_range(fetched_from, end, freq="D")
    n = len(days)
    now = _per_day(flows, ("entries", "exits"), fetched_from, n)
    year = _per_day(year_flows, ("entries", "exits"), fetched_from - YEAR, n)
    now["net"], year["net"] = now["entries"] - now["exits"], year["entries"] - year["exits"]
    at = np.arange(n)
    # days before the first record (and days whose year-before day is) have no data, not zero movement
    before = at < (first_day - fetched_from).days if first_day else np.zeros(n, dtype=bool)
    year_missing = at < (first_day - fetched_from + YEAR).days if first_day else np.zeros(n, dtype=bool)
    week_missing = (np.arange(n) < 7) | before
    out = {"day": days}
    out.update({c: now[c] for c in ("entries", "exits", "net")})
    for c in ("entries", "exits", "net"):
        average = _rolling_sum(now[c]) / AVERAGE_DAYS
        average[before] = np.nan
        out[f"{c}_7d"] = average
        out[f"{c}_week_before"] = _nullable(np.concatenate([np.zeros(7, dtype="int64"), now[c][:-7]])[:n],
                                            week_missing)
    for c in ("entries", "exits", "net"):
        out[f"{c}_year_before"] = _nullable(year[c], year_missing.copy())
    return pd.DataFrame(out)


def _comparison(daily: pd.DataFrame, end: date) -> pd.DataFrame:
    first = daily["day"].iloc[0].date()
    rows = []
    for period, last, column in (("last_7", end, ""), ("previous_7", end - WEEK, ""),
                                 ("year_before_7", end, "_year_before")):
        at = (last - first).days
        span_ = slice(at - 6, at + 1)
        values = {c: daily[f"{c}{column}"].array[span_] for c in ("entries", "exits", "net")}
        known = not any(pd.isna(v).any() for v in values.values())
        shown_first, shown_last = (last - timedelta(days=6) - YEAR, last - YEAR) if column else \
            (last - timedelta(days=6), last)
        rows.append({"period": period, "start": shown_first, "end": shown_last,
                     **{c: (int(np.asarray(v, dtype="float64").sum()) if known else None)
                        for c, v in values.items()}})
    return pd.DataFrame(rows)


def _regions(regions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Provinces, regencies and the busiest arcs from the window's 100-200 region rows, summed in
    plain Python: at this size a pandas call costs more than the whole loop."""
    provinces: dict[tuple[str, str], list[int]] = {}
    regencies: dict[tuple[str, str, str], list[int]] = {}
    located = []
    columns = ("region_code", "name", "level", "province_code", "province_name", "lat", "lon", "direction",
               "movements")
    for code, name, level, province_code, province_name, lat, lon, direction, movements in zip(
            *(regions[c].tolist() for c in columns)):
        code = "" if pd.isna(code) else code
        movements = 0 if pd.isna(movements) else int(movements)
        province_code = "" if pd.isna(province_code) else province_code
        province = (province_name if level == "regency" else name) if province_code else ""
        province = "" if pd.isna(province) else province
        side = 0 if direction == "in" else 1 if direction == "out" else None
        if side is None:
            continue
        provinces.setdefault((province_code, province), [0, 0])[side] += movements
        if level == "regency":
            regencies.setdefault((code, name, province), [0, 0])[side] += movements
        if not pd.isna(lat) and movements > 0:
            located.append((direction, code, name, lat, lon, movements))
    province_rows = sorted(((c, p or None, e, x) for (c, p), (e, x) in provinces.items()),
                           key=lambda r: (-r[2], -r[3], r[0]))
    regency_rows = sorted(((c, n, p or None, e, x) for (c, n, p), (e, x) in regencies.items()),
                          key=lambda r: (-r[3], -r[4], r[0]))
    shown: dict[str, int] = {}
    arcs = []
    for row in sorted(located, key=lambda r: (-r[5], r[1])):  # stable: the query's order breaks ties
        if shown.get(row[0], 0) < ARCS_PER_DIRECTION:
            shown[row[0]] = shown.get(row[0], 0) + 1
            arcs.append(row)
    return (_typed(province_rows, {"province_code": "str", "province": "str", "entries": "int64", "exits": "int64"}),
            _typed(regency_rows, {"code": "str", "regency": "str", "province": "str", "entries": "int64",
                                  "exits": "int64"}),
            _typed(arcs, {"direction": "str", "code": "str", "name": "str", "lat": "float64", "lon": "float64",
                          "movements": "int64"}))


def _typed(rows: list[tuple], dtypes: dict[str, str]) -> pd.DataFrame:
    """A frame of `rows` with these columns and types, built column by column: DataFrame.astype on
    frames of object columns cost 14 ms for the three frames above."""
    values = list(zip(*rows)) if rows else [()] * len(dtypes)
    return pd.DataFrame({name: pd.array(list(column), dtype=dtype) if dtype == "str" else
                         np.array(column, dtype=dtype) for (name, dtype), column in zip(dtypes.items(), values)})


def _documents(docs: pd.DataFrame, names: pd.Series, start: date, end: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per entry point (by name) x day x document status, summed in one numpy array."""
    points = sorted(set(names))
    days = pd.date_range(start, end, freq="D")
    counts = np.zeros((len(points), len(days), len(DOCUMENT_STATUSES)), dtype="int64")
    point_at = pd.Index(points).get_indexer(docs["entry_point_id"].map(names))
    status_at = pd.Index(DOCUMENT_STATUSES).get_indexer(docs["document_status"])
    day_at = day_offsets(docs["day"], start)
    moves = pd.to_numeric(docs["movements"]).fillna(0).to_numpy(dtype="int64")
    keep = (point_at >= 0) & (status_at >= 0) & (day_at >= 0) & (day_at < len(days))
    np.add.at(counts, (point_at[keep], day_at[keep], status_at[keep]), moves[keep])
    per_status = counts.sum(axis=1)
    entries = per_status.sum(axis=1)
    table = pd.DataFrame({"entry_point": pd.array(points, dtype="str"), "entries": entries,
                          "valid": per_status[:, 0],
                          "valid_share": per_status[:, 0] / np.where(entries > 0, entries, np.nan),
                          **{s: per_status[:, i] for i, s in enumerate(DOCUMENT_STATUSES) if s != "valid"}})
    point_entries, point_valid = counts.sum(axis=2), counts[:, :, 0]
    trend_entries = np.concatenate([point_entries.sum(axis=0), point_entries.ravel()])
    trend_valid = np.concatenate([point_valid.sum(axis=0), point_valid.ravel()])
    trend = pd.DataFrame({
        "day": np.tile(days.to_numpy(), len(points) + 1),
        "entry_point": pd.Series([None] * len(days) + [p for p in points for _ in days], dtype=object),
        "entries": trend_entries, "valid": trend_valid,
        "valid_share": trend_valid / np.where(trend_entries > 0, trend_entries, np.nan),
    })
    return table, trend


def _screening(screening: pd.DataFrame, start: date, end: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per test type: the period's counts, and the 7-day positivity trend from start (the 6 days
    before feed its sums), summed into one types x days x counts array."""
    counts = list(SCREENING_COUNTS)
    fetched_from = start - timedelta(days=AVERAGE_DAYS - 1)
    days = pd.date_range(fetched_from, end, freq="D")
    shown = slice(AVERAGE_DAYS - 1, None)
    test_type = screening["test_type"].fillna("").to_numpy(dtype=object)
    present = set(test_type)
    types = [t for t in SCREENING_TYPES if t in present]
    type_at = pd.Index(types, dtype=object).get_indexer(test_type)
    day_at = day_offsets(screening["day"], fetched_from)
    keep = (type_at >= 0) & (day_at >= 0) & (day_at < len(days))
    cube = np.zeros((len(types), len(days), len(counts)), dtype="int64")
    values = np.column_stack([pd.to_numeric(screening[c]).fillna(0).to_numpy(dtype="int64") for c in counts]) \
        if len(screening) else np.zeros((0, len(counts)), dtype="int64")
    np.add.at(cube, (type_at[keep], day_at[keep]), values[keep])
    totals = cube[:, shown].sum(axis=1)
    table = pd.DataFrame({"test_type": np.array(types, dtype=object),
                          **{c: totals[:, i] for i, c in enumerate(counts)}})
    tested = table["positive"] + table["negative"]
    table["positivity"] = table["positive"] / tested.where(tested > 0)
    if not types:
        return table, pd.DataFrame(columns=["day", "test_type", "positive_7d", "tested_7d", "positivity_7d"])
    positives, negatives = cube[:, :, counts.index("positive")], cube[:, :, counts.index("negative")]
    positive = np.concatenate([_rolling_sum(positives[k])[shown] for k in range(len(types))])
    tested_7d = np.concatenate([_rolling_sum(positives[k] + negatives[k])[shown] for k in range(len(types))])
    shown_days = days[shown]
    trend = pd.DataFrame({"day": np.tile(shown_days.to_numpy(), len(types)),
                          "test_type": pd.array(np.repeat(np.array(types, dtype=object), len(shown_days)),
                                                dtype="str"),
                          "positive_7d": positive, "tested_7d": tested_7d,
                          "positivity_7d": positive / np.where(tested_7d > 0, tested_7d, np.nan)})
    return table, trend


def _imported(imported: pd.DataFrame, start: date, end: date) -> tuple[pd.DataFrame, tuple[int, int, float | None]]:
    fetched_from = start - timedelta(days=AVERAGE_DAYS - 1)
    days = pd.date_range(fetched_from, end, freq="D")
    per_day = _per_day(_int(imported.copy(), ["new_cases", "imported_cases"]), ("new_cases", "imported_cases"),
                       fetched_from, len(days))
    new, imp = per_day["new_cases"], per_day["imported_cases"]
    new_7d = _rolling_sum(new)
    shown = slice(AVERAGE_DAYS - 1, None)
    frame = pd.DataFrame({
        "day": days[shown], "new_cases": new[shown], "imported_cases": imp[shown],
        "share": (imp / np.where(new > 0, new, np.nan))[shown],
        "share_7d": (_rolling_sum(imp) / np.where(new_7d > 0, new_7d, np.nan))[shown],
    })
    total_new, total_imported = int(new[shown].sum()), int(imp[shown].sum())
    return frame, (total_new, total_imported, total_imported / total_new if total_new else None)


def _imported_origin(origin: pd.DataFrame) -> pd.DataFrame:
    origin = _int(origin.copy(), ["imported_cases"])
    regency = origin["name"].where(origin["level"] == "regency", None)
    province = origin["province_name"].where(origin["level"] == "regency", origin["name"])
    return pd.DataFrame({"province": province.where(province.notna(), None), "regency": regency,
                         "imported_cases": origin["imported_cases"]})


def movement(run: Run, start: date, end: date, role: str, first_day: date | None = None) -> Movement:
    """Every figure of the movement page for WIB days start..end; `first_day` is the first day with
    records (before it, comparisons have no data rather than zero)."""
    if start > end:
        raise ValueError("start after end")
    fetched_from = min(start, end - timedelta(days=6)) - WEEK
    period = {"start": start, "end": end}
    averaged = {"start": start - timedelta(days=AVERAGE_DAYS - 1), "end": end}
    calls = {"points": ("movement_entry_points", {}),
             "flows": ("movement_flows", {"start": fetched_from, "end": end}),
             "year_flows": ("movement_flows", {"start": fetched_from - YEAR, "end": end - YEAR}),
             "hours": ("movement_hours", period), "regions": ("movement_regions", period),
             "documents": ("movement_documents", period), "screening": ("movement_screening", averaged),
             "imported": ("movement_imported", averaged)}
    if role == "health":
        calls["origin"] = ("movement_imported_origin", period)
    prefetch(run, list(calls.values()))

    def fetch(what: str) -> pd.DataFrame:
        name, params = calls[what]
        return run(name, **params)

    points = fetch("points")
    names = points.set_index("id")["name"]
    flows = _split(fetch("flows"))
    year_flows = _split(fetch("year_flows"))
    daily_all = _daily(flows, year_flows, start, end, first_day)
    comparison = _comparison(daily_all, end)
    daily = daily_all[daily_all["day"] >= pd.Timestamp(start)].reset_index(drop=True)

    window = flows[flows["day"] >= pd.Timestamp(start)]
    per_point = window.groupby("entry_point_id")[["entries", "exits"]].sum().reindex(points["id"], fill_value=0)
    by_point = pd.DataFrame({"entry_point_id": points["id"].to_numpy(dtype="int64"), "entry_point": points["name"],
                             "type": points["type"], "entries": per_point["entries"].to_numpy(dtype="int64"),
                             "exits": per_point["exits"].to_numpy(dtype="int64")})
    by_point["net"] = by_point["entries"] - by_point["exits"]
    point_daily = _by_direction(window.assign(entry_point=window["entry_point_id"].map(names)), ["day", "entry_point"])
    per_mode = window.groupby("mode")[["entries", "exits"]].sum().reindex(list(TRAVEL_MODES), fill_value=0)
    by_mode = pd.DataFrame({"mode": pd.array(TRAVEL_MODES, dtype="str"),
                            "entries": per_mode["entries"].to_numpy(dtype="int64"),
                            "exits": per_mode["exits"].to_numpy(dtype="int64")})
    by_mode["net"] = by_mode["entries"] - by_mode["exits"]
    mode_daily = _by_direction(window, ["day", "mode"])

    hours_frame = _split(fetch("hours"))
    hour_at = pd.to_numeric(hours_frame["hour"]).to_numpy(dtype="int64")
    hours = pd.DataFrame({"hour": np.arange(24, dtype="int64"),
                          **{c: np.bincount(hour_at, weights=hours_frame[c].to_numpy(dtype="float64"), minlength=24)
                             [:24].astype("int64") for c in ("entries", "exits")}})

    provinces, regencies, arcs = _regions(fetch("regions"))
    documents, document_trend = _documents(fetch("documents"), names, start, end)
    screening, screening_trend = _screening(fetch("screening"), start, end)
    imported, imported_total = _imported(fetch("imported"), start, end)
    origin = _imported_origin(fetch("origin")) if role == "health" else None

    marks = [(pd.Timestamp(d), kind, False) for d, kind in holidays_between(start, end)]
    marks += [(pd.Timestamp(d + YEAR), kind, True) for d, kind in holidays_between(start - YEAR, end - YEAR)]
    holidays = pd.DataFrame(marks, columns=["day", "kind", "year_before"])
    return Movement(start, end, daily, comparison, by_point, point_daily, by_mode, mode_daily, hours, provinces,
                    regencies, arcs, documents, document_trend, screening, screening_trend, imported,
                    imported_total, origin, holidays)
