"""Tables shared by the pages, formatted in the reader's locale."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from figures.common import ZONES
from ui.i18n import format_number, t
from ui.maps import ZONE_RGB, ZONE_TEXT, hex_colour

ZONE_COLOURS = {zone: hex_colour(rgb) for zone, rgb in ZONE_RGB.items()}


def _count(value) -> str:
    return value if isinstance(value, str) else format_number(value)


def zone_legend(thresholds: tuple[float, float, float]) -> str:
    low, mid, high = (format_number(x) for x in thresholds)
    return t("zone.legend", green=t("zone.green"), yellow=t("zone.yellow"), orange=t("zone.orange"),
             red=t("zone.red"), low=low, mid=mid, high=high)


def kecamatan_zones(table: pd.DataFrame, thresholds: tuple[float, float, float], suppressed: bool) -> None:
    """Kecamatan, population, new cases in the week, weekly incidence per 100,000 and zone,
    worst zone first."""
    rank = table["zone"].map({zone: i for i, zone in enumerate(ZONES)}).fillna(-1)
    ordered = table.assign(rank=rank).sort_values(["rank", "incidence", "name"], ascending=[False, False, True])
    shown = pd.DataFrame({
        t("table.kecamatan"): ordered["name"],
        t("table.population"): ordered["population"].map(format_number),
        t("table.new_cases_7d"): ordered["new_cases"].map(_count),
        t("table.incidence"): ordered["incidence"].map(lambda x: format_number(x, decimals=1)),
        t("table.zone"): ordered["zone"].map(lambda z: t(f"zone.{z}") if isinstance(z, str) else "–"),
    })
    zone_of = dict(zip(shown[t("table.zone")], ordered["zone"]))

    def colour(cell: str) -> str:
        zone = zone_of.get(cell)
        if zone not in ZONE_COLOURS:
            return ""
        return f"background-color: {ZONE_COLOURS[zone]}; color: {ZONE_TEXT[zone]}"

    numbers = [t("table.population"), t("table.new_cases_7d"), t("table.incidence")]
    styled = shown.style.map(colour, subset=[t("table.zone")]).set_properties(subset=numbers, **{"text-align": "right"})
    st.dataframe(styled, hide_index=True, width="stretch")
    st.caption(zone_legend(thresholds))
    if suppressed:
        st.caption(t("table.suppressed_note"))
