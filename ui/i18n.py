"""Translations and locale formatting: Bahasa Indonesia by default, English on request.

Catalogs are flat JSON files of dotted keys: assets/i18n/<lang>.json for the shell and shared
texts, and assets/i18n/<lang>/<area>.json for each page or area (one file per area, so that work on
two pages never edits the same file). A key defined twice is an error. A key missing from the
catalog comes back as the key itself, so that tests can find untranslated text on any page.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import streamlit as st
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal, format_percent as babel_format_percent

from casedb.wib import to_wib

CATALOG_DIR = Path(__file__).resolve().parent.parent / "assets" / "i18n"
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LANGUAGE = "id"
_LOCALES = {"id": "id_ID", "en": "en_US"}
# The same day-month-year form in both languages ("27 Nov 2026"), which readers of either know.
_DATE_PATTERN = "d MMM y"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in [CATALOG_DIR / f"{lang}.json", *sorted((CATALOG_DIR / lang).glob("*.json"))]:
        with path.open(encoding="utf-8") as f:
            texts = json.load(f)
        twice = merged.keys() & texts.keys()
        if twice:
            raise ValueError(f"catalog keys defined twice ({path.name}): {sorted(twice)}")
        merged.update(texts)
    return merged


def language() -> str:
    lang = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    st.session_state["lang"] = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **kwargs) -> str:
    """The text of `key` in the current language, with `{name}` placeholders filled from kwargs."""
    text = catalog(lang or language()).get(key)
    if text is None:
        return key
    return text.format(**kwargs) if kwargs else text


def _locale(lang: str | None) -> str:
    return _LOCALES[lang or language()]


def format_number(x: float | int | None, decimals: int = 0, lang: str | None = None) -> str:
    """1.234,5 in Indonesian, 1,234.5 in English; an empty value as an en dash."""
    if x is None or x != x:  # None or NaN
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(x, format=pattern, locale=_locale(lang))


def format_signed(x: float | int, decimals: int = 0, lang: str | None = None) -> str:
    """A change with its sign: +12, -3, 0 (st.metric colours a delta by its leading sign)."""
    text = format_number(abs(x), decimals, lang)
    if round(x, decimals) == 0:
        return text
    return ("+" if x > 0 else "-") + text


def format_percent(fraction: float | None, decimals: int = 1, lang: str | None = None) -> str:
    """A fraction as a percentage: 0.123 -> 12,3% (id) or 12.3% (en)."""
    if fraction is None or fraction != fraction:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return babel_format_percent(fraction, format=pattern, locale=_locale(lang))


def format_date(d: date | datetime, lang: str | None = None) -> str:
    """27 Nov 2026 (Indonesian month abbreviations in id: Mei, Agu, Okt, Des)."""
    return babel_format_date(d, _DATE_PATTERN, locale=_locale(lang))


def format_month(d: date | datetime, lang: str | None = None) -> str:
    """Nov 2026, Agu 2026: a month as an axis label."""
    return babel_format_date(d, "MMM y", locale=_locale(lang))


def format_time_wib(utc_naive: datetime) -> str:
    """A stored naive-UTC moment as WIB wall-clock time: 16:30 UTC -> "23:30 WIB"."""
    return to_wib(utc_naive).strftime("%H:%M") + " WIB"


def format_moment_wib(utc_naive: datetime | None, lang: str | None = None) -> str:
    """A stored naive-UTC moment as its WIB day and time: 09:30 UTC -> "27 Nov 2026, 16:30 WIB";
    "" for none (None, NaT)."""
    if utc_naive is None or utc_naive != utc_naive:  # None, NaN or NaT
        return ""
    return f"{format_date(to_wib(utc_naive), lang)}, {format_time_wib(utc_naive)}"
