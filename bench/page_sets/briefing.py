"""The briefing page's query set for `bench/pages.py`.

For `health` and `mayor` the briefing shows the overview's figures of the chosen day (`figures.briefing`
delegates to `figures.overview.overview`), so the naive baseline and the row-by-row check are the
overview's (`bench.page_sets.overview`). Press's set (the ISO week, suppressed) and the making of a
release's files are measured by `bench/briefing_bench.py`.
"""
from __future__ import annotations

from casedb import settings
from casedb.wib import today_wib
from figures import briefing as briefing_figures
from figures.common import data_span, default_day
from bench.page_sets import figure
from bench.page_sets import overview as overview_set

naive = overview_set.naive


def figures(run, suppressed: bool = False) -> briefing_figures.Briefing:
    span = figure(run, data_span)
    day = default_day(span, today_wib())
    return figure(run, briefing_figures.briefing, day, span, settings.get("INCOMPLETE_DAYS"),
                  settings.get("ZONE_THRESHOLDS"), suppressed)


def check(page: briefing_figures.Briefing, raw) -> list[tuple[str, object, object]]:
    return overview_set.check(page.shown, raw)


def headline(page: briefing_figures.Briefing) -> str:
    return overview_set.headline(page.shown)
