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
from typing import Callable

import pandas as pd

from casedb.schema import DOCUMENT_STATUSES, TRAVEL_MODES

Run = Callable[..., pd.DataFrame]

WINDOW_DAYS = 28
AVERAGE_DAYS = 7
WEEK = timedelta(days=7)
YEAR = timedelta(days=364)  # 52 weeks: the same weekdays a year before
TOP_REGIONS = 10
ARCS_PER_DIRECTION = 15
DOCUMENT_PROBLEMS = tuple(s for s in DOCUMENT_STATUSES if s != "valid")
# Tests whose positivity is shown, each apart; '' is a record that did not name its test.
SCREENING_TYPES = ("pcr", "antigen", "antibody", "")

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


def _by_direction(flows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Entries and exits side by side per `keys`."""
    if flows.empty:
        return pd.DataFrame({**{k: flows[k] for k in keys}, "entries": pd.Series(dtype="int64"),
                             "exits": pd.Series(dtype="int64")})
    table = flows.groupby([*keys, "direction"], sort=True)["movements"].sum().unstack("direction", fill_value=0)
    table = table.reindex(columns=["in", "out"], fill_value=0).rename(columns={"in": "entries", "out": "exits"})
    table.columns.name = None
    return _int(table.reset_index(), ["entries", "exits"])


def _daily(flows: pd.DataFrame, year_flows: pd.DataFrame, start: date, end: date,
           first_day: date | None) -> pd.DataFrame:
    fetched_from = min(start, end - timedelta(days=6)) - WEEK
    days = pd.date_range(fetched_from, end, freq="D")
    per_day = _by_direction(flows, ["day"]).set_index("day").reindex(days, fill_value=0)
    per_day["net"] = per_day["entries"] - per_day["exits"]
    out = per_day.copy()
    for c in ("entries", "exits", "net"):
        out[f"{c}_7d"] = per_day[c].rolling(AVERAGE_DAYS, min_periods=AVERAGE_DAYS).mean()
        out[f"{c}_week_before"] = per_day[c].shift(7).astype("Float64")
    year_days = pd.date_range(fetched_from - YEAR, end - YEAR, freq="D")
    year = _by_direction(year_flows, ["day"]).set_index("day").reindex(year_days, fill_value=0)
    year["net"] = year["entries"] - year["exits"]
    year.index = year.index + YEAR
    for c in ("entries", "exits", "net"):
        out[f"{c}_year_before"] = year[c].reindex(out.index).astype("Float64")
    if first_day is not None:  # before the first record there is no data, not zero movement
        before = out.index < pd.Timestamp(first_day)
        for c in ("entries", "exits", "net"):
            out.loc[before, [f"{c}_week_before"]] = pd.NA
            out.loc[out.index - YEAR < pd.Timestamp(first_day), f"{c}_year_before"] = pd.NA
        out.loc[before, ["entries_7d", "exits_7d", "net_7d"]] = float("nan")
    out.index.name = "day"
    return out.reset_index()


def _comparison(daily: pd.DataFrame, end: date) -> pd.DataFrame:
    full = daily.set_index("day")
    rows = []
    for period, last, column in (("last_7", end, ""), ("previous_7", end - WEEK, ""),
                                 ("year_before_7", end, "_year_before")):
        first = last - timedelta(days=6)
        span_ = full.loc[pd.Timestamp(first):pd.Timestamp(last)] if column == "" else \
            full.loc[pd.Timestamp(first):pd.Timestamp(last)]
        values = {c: span_[f"{c}{column}"] for c in ("entries", "exits", "net")}
        known = all(v.notna().all() for v in values.values())
        shown_first, shown_last = (first - YEAR, last - YEAR) if column else (first, last)
        rows.append({"period": period, "start": shown_first, "end": shown_last,
                     **{c: (int(v.sum()) if known else None) for c, v in values.items()}})
    return pd.DataFrame(rows)


def _regions(regions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    regions = _int(regions.copy(), ["movements"])
    regions["region_code"] = regions["region_code"].fillna("")
    province_code = regions["province_code"].where(regions["province_code"].notna(), "")
    province = regions["province_name"].where(regions["level"] == "regency", regions["name"])
    regions = regions.assign(province_code=province_code, province=province.where(province_code != "", None))
    provinces = _by_direction(regions.assign(province=regions["province"].fillna("")),
                              ["province_code", "province"])
    provinces["province"] = provinces["province"].replace("", None)
    provinces = provinces.sort_values(["entries", "exits", "province_code"], ascending=[False, False, True])
    regencies = _by_direction(regions[regions["level"] == "regency"].rename(
        columns={"region_code": "code", "name": "regency"}), ["code", "regency", "province"])
    regencies = regencies.sort_values(["entries", "exits", "code"], ascending=[False, False, True])
    located = regions[regions["lat"].notna() & (regions["movements"] > 0)]
    arcs = (located.sort_values(["movements", "region_code"], ascending=[False, True])
            .groupby("direction", sort=True).head(ARCS_PER_DIRECTION)
            .rename(columns={"region_code": "code"})[["direction", "code", "name", "lat", "lon", "movements"]])
    return provinces.reset_index(drop=True), regencies.reset_index(drop=True), arcs.reset_index(drop=True)


def _documents(docs: pd.DataFrame, names: pd.Series, start: date, end: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    docs = _int(docs.copy(), ["movements"])
    docs["entry_point"] = docs["entry_point_id"].map(names)
    points = sorted(set(names))
    table = docs.groupby(["entry_point", "document_status"])["movements"].sum().unstack(fill_value=0) \
        if not docs.empty else pd.DataFrame()
    table = table.reindex(index=points, columns=list(DOCUMENT_STATUSES), fill_value=0)
    table.columns.name = None
    table.insert(0, "entries", table.sum(axis=1))
    table.insert(2, "valid_share", table["valid"] / table["entries"].where(table["entries"] > 0))
    table = _int(table.reset_index(), ["entries", *DOCUMENT_STATUSES])
    days = pd.date_range(start, end, freq="D")
    docs = docs.assign(valid=docs["movements"].where(docs["document_status"] == "valid", 0))
    by_point = docs.groupby(["entry_point", "day"])[["movements", "valid"]].sum().reindex(
        pd.MultiIndex.from_product([points, days], names=["entry_point", "day"]), fill_value=0).reset_index()
    city = docs.groupby("day")[["movements", "valid"]].sum().reindex(days, fill_value=0).rename_axis("day").reset_index()
    trend = pd.concat([city.assign(entry_point=None), by_point], ignore_index=True).rename(columns={"movements": "entries"})
    trend["valid_share"] = trend["valid"] / trend["entries"].where(trend["entries"] > 0)
    return table, _int(trend[["day", "entry_point", "entries", "valid", "valid_share"]], ["entries", "valid"])


def _screening(screening: pd.DataFrame, start: date, end: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = ["screened", "positive", "negative", "invalid"]
    screening = _int(screening.copy(), counts)
    screening["test_type"] = screening["test_type"].fillna("")
    in_window = screening[screening["day"] >= pd.Timestamp(start)]
    table = in_window.groupby("test_type")[counts].sum().reindex(
        [t for t in SCREENING_TYPES if t in set(screening["test_type"])], fill_value=0)
    tested = table["positive"] + table["negative"]
    table["positivity"] = table["positive"] / tested.where(tested > 0)
    days = pd.date_range(start - timedelta(days=AVERAGE_DAYS - 1), end, freq="D")
    trend = []
    for test_type in table.index:
        part = screening[screening["test_type"] == test_type].set_index("day")[counts].reindex(days, fill_value=0)
        positive = part["positive"].rolling(AVERAGE_DAYS).sum()
        tested_7d = (part["positive"] + part["negative"]).rolling(AVERAGE_DAYS).sum()
        frame = pd.DataFrame({"day": days, "test_type": test_type, "positive_7d": positive.to_numpy(),
                              "tested_7d": tested_7d.to_numpy(),
                              "positivity_7d": (positive / tested_7d.where(tested_7d > 0)).to_numpy()})
        trend.append(frame[frame["day"] >= pd.Timestamp(start)])
    trend_frame = pd.concat(trend, ignore_index=True) if trend else pd.DataFrame(
        columns=["day", "test_type", "positive_7d", "tested_7d", "positivity_7d"])
    return _int(table.reset_index(), counts), trend_frame


def _imported(imported: pd.DataFrame, start: date, end: date) -> tuple[pd.DataFrame, tuple[int, int, float | None]]:
    imported = _int(imported.copy(), ["new_cases", "imported_cases"])
    days = pd.date_range(start - timedelta(days=AVERAGE_DAYS - 1), end, freq="D")
    per_day = imported.set_index("day")[["new_cases", "imported_cases"]].reindex(days, fill_value=0)
    new_7d = per_day["new_cases"].rolling(AVERAGE_DAYS).sum()
    frame = pd.DataFrame({
        "day": days, "new_cases": per_day["new_cases"].to_numpy(), "imported_cases": per_day["imported_cases"].to_numpy(),
        "share": (per_day["imported_cases"] / per_day["new_cases"].where(per_day["new_cases"] > 0)).to_numpy(),
        "share_7d": (per_day["imported_cases"].rolling(AVERAGE_DAYS).sum() / new_7d.where(new_7d > 0)).to_numpy(),
    })
    frame = frame[frame["day"] >= pd.Timestamp(start)].reset_index(drop=True)
    new, imp = int(frame["new_cases"].sum()), int(frame["imported_cases"].sum())
    return frame, (new, imp, imp / new if new else None)


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
    points = run("movement_entry_points")
    names = points.set_index("id")["name"]
    fetched_from = min(start, end - timedelta(days=6)) - WEEK
    flows = _int(run("movement_flows", start=fetched_from, end=end), ["movements"])
    year_flows = _int(run("movement_flows", start=fetched_from - YEAR, end=end - YEAR), ["movements"])
    daily_all = _daily(flows, year_flows, start, end, first_day)
    comparison = _comparison(daily_all, end)
    daily = daily_all[daily_all["day"] >= pd.Timestamp(start)].reset_index(drop=True)

    window = flows[flows["day"] >= pd.Timestamp(start)]
    by_point = _by_direction(window, ["entry_point_id"]).set_index("entry_point_id").reindex(names.index, fill_value=0)
    by_point = by_point.assign(entry_point=names, type=points.set_index("id")["type"]).reset_index()
    by_point = by_point.rename(columns={"index": "entry_point_id", "id": "entry_point_id"})
    by_point["net"] = by_point["entries"] - by_point["exits"]
    by_point = by_point[["entry_point_id", "entry_point", "type", "entries", "exits", "net"]]
    point_daily = _by_direction(window.assign(entry_point=window["entry_point_id"].map(names)), ["day", "entry_point"])
    by_mode = _by_direction(window, ["mode"]).set_index("mode").reindex(list(TRAVEL_MODES), fill_value=0).reset_index()
    by_mode["net"] = by_mode["entries"] - by_mode["exits"]
    mode_daily = _by_direction(window, ["day", "mode"])

    hours = _by_direction(_int(run("movement_hours", start=start, end=end), ["movements"]), ["hour"])
    hours = hours.set_index("hour").reindex(range(24), fill_value=0).rename_axis("hour").reset_index()

    provinces, regencies, arcs = _regions(run("movement_regions", start=start, end=end))
    documents, document_trend = _documents(run("movement_documents", start=start, end=end), names, start, end)
    screening, screening_trend = _screening(
        run("movement_screening", start=start - timedelta(days=AVERAGE_DAYS - 1), end=end), start, end)
    imported, imported_total = _imported(
        run("movement_imported", start=start - timedelta(days=AVERAGE_DAYS - 1), end=end), start, end)
    origin = _imported_origin(run("movement_imported_origin", start=start, end=end)) if role == "health" else None

    marks = [(pd.Timestamp(d), kind, False) for d, kind in holidays_between(start, end)]
    marks += [(pd.Timestamp(d + YEAR), kind, True) for d, kind in holidays_between(start - YEAR, end - YEAR)]
    holidays = pd.DataFrame(marks, columns=["day", "kind", "year_before"])
    return Movement(start, end, daily, comparison, by_point, point_daily, by_mode, mode_daily, hours, provinces,
                    regencies, arcs, documents, document_trend, screening, screening_trend, imported,
                    imported_total, origin, holidays)
