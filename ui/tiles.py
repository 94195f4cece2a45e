"""Headline metric tiles: the value on D, its change since yesterday and since a week before.

For press a suppressed value shows as "<5" (or "x"), a positivity with 1-4 positives as "<5
positive", and a hidden change not at all: the caption says it is hidden instead."""
from __future__ import annotations

import streamlit as st

from figures.common import HIDDEN_CHANGE, SMALL_POSITIVES, Tile, is_hidden
from ui.i18n import format_number, format_percent, format_signed, t


def _format(tile: Tile, value: float | str | None) -> str:
    if value == SMALL_POSITIVES:
        return t("tile.small_positives")
    if is_hidden(value):
        return value
    if tile.kind == "percent":
        return format_percent(value)
    return format_number(value)


def _format_change(tile: Tile, change: float | str | None) -> str | None:
    if change is None or change == HIDDEN_CHANGE:
        return None
    if tile.kind == "percent":
        return t("tile.points", change=format_signed(change * 100, decimals=1))
    return format_signed(change)


def _delta_colour(tile: Tile) -> str:
    if tile.rise_is_bad is None:
        return "off"
    return "inverse" if tile.rise_is_bad else "normal"


def tile(item: Tile) -> None:
    """One bordered tile: the change since yesterday as the delta, the change since last week below."""
    change = item.change(1)
    shown_change = _format_change(item, change)
    unchanged = shown_change is not None and round(change * (1000 if item.kind == "percent" else 1)) == 0
    week = _format_change(item, item.change(7))
    with st.container(border=True):
        st.metric(
            t(f"tile.{item.key}"),
            _format(item, item.value),
            delta=shown_change,
            delta_color="off" if unchanged else _delta_colour(item),
            delta_arrow="off" if unchanged else "auto",
            delta_description=t("tile.since_yesterday") if shown_change is not None else None,
            help=t(f"tile.{item.key}.help"),
        )
        st.caption(" · ".join(_comparison_notes(item, week)))


def _comparison_notes(item: Tile, week: str | None) -> list[str]:
    """The change since last week, or why it is missing; and why the delta is missing when it is hidden."""
    if item.change(7) == HIDDEN_CHANGE:
        notes = [t("tile.week_change_hidden")]
    else:
        notes = [t("tile.since_last_week", change=week) if week is not None else t("tile.no_comparison")]
    if item.change(1) == HIDDEN_CHANGE:
        notes.append(t("tile.yesterday_change_hidden"))
    return notes


def tile_row(items: list[Tile], columns: int = 4) -> None:
    """Tiles side by side, in rows of `columns` of the same width."""
    for column, item in zip(st.columns(columns), items):
        with column:
            tile(item)
