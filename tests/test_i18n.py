"""Translation catalogs and locale formatting."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from casedb.schema import ROLES
from figures import common as figures
from ui import i18n, page

ROOT = Path(__file__).resolve().parent.parent
# A literal key passed to t(): t("tile.new_cases") or t('zone.legend', ...).
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_][\w.]*)["']""")
SOURCES = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]


def test_catalogs_have_identical_keys():
    assert set(i18n.catalog("id")) == set(i18n.catalog("en"))


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_catalog_texts_are_filled_and_placeholders_agree(lang):
    other = i18n.catalog("en" if lang == "id" else "id")
    for key, text in i18n.catalog(lang).items():
        assert text.strip(), key
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", other[key])), key


def test_every_literal_key_in_the_code_exists():
    used = {key for path in SOURCES for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 30  # the pattern finds the calls at all
    assert sorted(used - set(i18n.catalog("id"))) == []


def test_every_composed_key_exists():
    composed = (
        [f"role.{role}" for role in ROLES]
        + [f"page.{p.key}" for p in page.PAGES]
        + [f"zone.{zone}" for zone in figures.ZONES]
        + [f"tile.{key}" for key in ("new_cases", "active", "recovered", "died")]
        + [f"tile.tests_{tt}" for tt in figures.TEST_TYPES_SHOWN]
        + [f"tile.positivity_{tt}" for tt in figures.POSITIVITY_TYPES]
        + [f"{reason}{suffix}" for reason in ("db.bad_url", "db.unreachable", "db.not_initialised")
           for suffix in ("", ".help")]
    )
    composed += [f"{key}.help" for key in composed if key.startswith("tile.")]
    assert sorted(set(composed) - set(i18n.catalog("id"))) == []


def test_missing_key_comes_back_as_itself():
    assert i18n.t("no.such.key", lang="id") == "no.such.key"
    assert i18n.t("overview.headline", lang="en", date="27 Nov 2026") == "Headline figures, 27 Nov 2026"


@pytest.mark.parametrize("lang, number, decimals, expected", [
    ("id", 1234.5, 1, "1.234,5"),
    ("en", 1234.5, 1, "1,234.5"),
    ("id", 1167599, 0, "1.167.599"),
    ("en", 1167599, 0, "1,167,599"),
    ("id", 0, 0, "0"),
    ("id", None, 0, "–"),
])
def test_format_number(lang, number, decimals, expected):
    assert i18n.format_number(number, decimals, lang=lang) == expected


@pytest.mark.parametrize("lang, fraction, expected", [
    ("id", 0.123, "12,3%"), ("en", 0.123, "12.3%"), ("id", 2 / 3, "66,7%"), ("en", None, "–"),
])
def test_format_percent(lang, fraction, expected):
    assert i18n.format_percent(fraction, lang=lang) == expected


@pytest.mark.parametrize("lang, d, expected", [
    ("id", date(2026, 11, 27), "27 Nov 2026"),
    ("en", date(2026, 11, 27), "27 Nov 2026"),
    ("id", date(2026, 8, 5), "5 Agu 2026"),
    ("en", date(2026, 8, 5), "5 Aug 2026"),
    ("id", date(2026, 5, 1), "1 Mei 2026"),
    ("id", date(2026, 12, 31), "31 Des 2026"),
])
def test_format_date(lang, d, expected):
    assert i18n.format_date(d, lang=lang) == expected


@pytest.mark.parametrize("lang, x, expected", [
    ("id", 12, "+12"), ("id", -3, "-3"), ("en", 0, "0"), ("id", 1234.56, "+1.234,6"),
])
def test_format_signed(lang, x, expected):
    assert i18n.format_signed(x, 1 if isinstance(x, float) else 0, lang=lang) == expected


def test_format_time_wib():
    assert i18n.format_time_wib(datetime(2026, 8, 5, 16, 30)) == "23:30 WIB"  # 16:30 UTC
    assert i18n.format_time_wib(datetime(2026, 8, 5, 17, 5)) == "00:05 WIB"


def test_area_catalogs_join_the_shared_one_and_a_key_defined_twice_is_refused(tmp_path, monkeypatch):
    import json

    (tmp_path / "en").mkdir()
    (tmp_path / "en.json").write_text(json.dumps({"app.title": "Shared"}), encoding="utf-8")
    (tmp_path / "en" / "map.json").write_text(json.dumps({"map.title": "Map"}), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOG_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        assert i18n.catalog("en") == {"app.title": "Shared", "map.title": "Map"}
        (tmp_path / "en" / "movement.json").write_text(json.dumps({"map.title": "Again"}), encoding="utf-8")
        i18n.catalog.cache_clear()
        with pytest.raises(ValueError, match="map.title"):
            i18n.catalog("en")
    finally:
        i18n.catalog.cache_clear()


def test_format_moment_wib():
    assert i18n.format_moment_wib(datetime(2026, 11, 27, 9, 30), lang="en") == "27 Nov 2026, 16:30 WIB"
    assert i18n.format_moment_wib(datetime(2026, 8, 5, 17, 5), lang="id") == "6 Agu 2026, 00:05 WIB"
    assert i18n.format_moment_wib(None) == "" and i18n.format_moment_wib(float("nan")) == ""
