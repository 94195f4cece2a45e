"""The press briefing: the day's official figures as each role may see them, and the figures of a
release (what leaves the health office, frozen by `casedb.releases`).

- `briefing(...)`: what the page shows. `health` and `mayor` see the overview's daily figures with
  their changes since the day before and the week before (`figures.overview.overview`); `press`
  sees them as the suppression method allows (`figures.overview.press_overview`: the fixed ISO
  week, running totals rounded to 10, no changes). One method for every press figure, not a second.
- `release_figures(run, ...)`: the figures of a release as one long table, always computed with a
  `run` bound to the role `press` whoever publishes, so that a release holds only what press may
  see: a release is public. Two releases of different weeks cover days that do not overlap, and
  their running totals are rounded: no difference of two releases is a count of fewer days.
- `changes(old, new)`: the figures a correction changes (figure, old value, new value).

A figure's value in a release is text (`encode`): a count "123", a hidden count "<5" or "x", a
rounded total "<10", a positivity fraction "0.052300", an incidence "12.3", a zone "red", or empty
(nobody tested; an incidence hidden with its count). `format_value` shows it in a language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from figures.common import Run, is_hidden
from figures.overview import Overview, overview, press_overview

COLUMNS = ("section", "item", "label", "measure", "period_start", "period_end", "value")
SECTIONS = ("headline", "curve", "kecamatan")
# Tiles that are running totals at the end of the period (the others count the period's events).
RUNNING_TOTALS = ("active", "recovered", "died")


@dataclass(frozen=True)
class Briefing:
    day: date
    shown: Overview
    suppressed: bool

    @property
    def period(self) -> tuple[date, date]:
        """The days the counts are of: press's ISO week, or the chosen day itself."""
        return self.shown.period or (self.day, self.day)


def briefing(run: Run, day: date, span: tuple[date, date], incomplete_days: int,
             thresholds: tuple[float, float, float], suppressed: bool) -> Briefing:
    """The briefing page's figures for `day`; `suppressed` when `run` is press's."""
    if suppressed:
        shown = press_overview(run, day, span, incomplete_days, thresholds)
    else:
        shown = overview(run, day, span, incomplete_days, thresholds)
    return Briefing(day=day, shown=shown, suppressed=suppressed)


def encode(value, measure: str) -> str | None:
    """A figure's value as a release stores it (see the module's docstring)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if is_hidden(value):
        return str(value)
    if measure.startswith("positivity_"):
        return f"{float(value):.6f}"
    if measure == "incidence":
        return f"{float(value):.1f}"
    return str(int(value))


def release_figures(press_run: Run, day: date, span: tuple[date, date], incomplete_days: int,
                    thresholds: tuple[float, float, float]) -> pd.DataFrame:
    """Every figure of a release for `day`, from `press_run` (the runner bound to role press): the
    headline tiles, the weekly curve and the kecamatan table of the week, in a fixed order."""
    shown = press_overview(press_run, day, span, incomplete_days, thresholds)
    start, end = shown.period
    rows = []
    for tile in shown.tiles:
        first = end if tile.key in RUNNING_TOTALS else start
        rows.append(("headline", "city", None, tile.key, first, end, encode(tile.value, tile.key)))
    for week, value in zip(shown.curve["day"], shown.curve["new_cases"]):
        first = week.date()
        rows.append(("curve", first.isoformat(), None, "new_cases", first, first + pd.Timedelta(days=6),
                     encode(value, "new_cases")))
    for row in shown.kecamatan.itertuples(index=False):
        for measure in ("new_cases", "incidence", "zone"):
            value = getattr(row, measure)
            rows.append(("kecamatan", row.code, row.name, measure, start, end,
                         value if measure == "zone" and isinstance(value, str) else encode(value, measure)))
    frame = pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)
    frame["period_end"] = [d.date() if isinstance(d, pd.Timestamp) else d for d in frame["period_end"]]
    return frame.where(frame.notna(), None)


def period_of(figures: pd.DataFrame) -> tuple[date, date]:
    """The week a release's counts are of (its new-cases tile)."""
    row = figures[(figures["section"] == "headline") & (figures["measure"] == "new_cases")].iloc[0]
    return row["period_start"], row["period_end"]


def headline(figures: pd.DataFrame) -> dict[str, str | None]:
    """measure -> value of the release's headline tiles."""
    rows = figures[figures["section"] == "headline"]
    return dict(zip(rows["measure"], rows["value"]))


def changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The figures whose value differs between two releases (or that only one has): section,
    item, label, measure, old_value, new_value, in the new release's order (then the old's)."""
    key = ["section", "item", "measure"]
    merged = new[key + ["label", "value"]].merge(old[key + ["label", "value"]], on=key, how="outer",
                                                 suffixes=("_new", "_old"), sort=False)
    differs = merged["value_new"].fillna("\0") != merged["value_old"].fillna("\0")
    out = merged[differs]
    frame = pd.DataFrame({"section": out["section"], "item": out["item"],
                          "label": out["label_new"].fillna(out["label_old"]), "measure": out["measure"],
                          "old_value": out["value_old"], "new_value": out["value_new"]}, dtype=object)
    return frame.where(frame.notna(), None).reset_index(drop=True)


def kind(measure: str) -> str:
    """How a release value of `measure` reads: count, percent, rate (incidence) or zone."""
    if measure.startswith("positivity_"):
        return "percent"
    if measure in ("incidence", "zone"):
        return "rate" if measure == "incidence" else "zone"
    return "count"

