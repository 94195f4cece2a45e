"""Named settings with defaults and help text, read from the environment or `.streamlit/secrets.toml`.

The environment wins over secrets; secrets win over defaults. A value that cannot be read raises
`SettingsError`, whose message key the dashboard shows in the user's language.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DATABASE_PATH = PROJECT_ROOT / "data" / "pekanbaru-demo.sqlite"
DEMO_DATABASE_URL = f"sqlite:///{DEMO_DATABASE_PATH}"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"


class SettingsError(ValueError):
    """A setting has a value that cannot be used. `name` says which one."""

    def __init__(self, name: str, value: Any, expected: str):
        super().__init__(f"setting {name}={value!r}: expected {expected}")
        self.name = name
        self.value = value
        self.expected = expected


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    expected: str


def _positive_int(text: str) -> int:
    value = int(str(text).strip())
    if value <= 0:
        raise ValueError(text)
    return value


def _non_negative_int(text: str) -> int:
    value = int(str(text).strip())
    if value < 0:
        raise ValueError(text)
    return value


def _hour(text: str) -> int:
    value = int(str(text).strip())
    if not 0 <= value <= 23:
        raise ValueError(text)
    return value


def _thresholds(text: str) -> tuple[float, float, float]:
    parts = tuple(float(p) for p in str(text).split(","))
    if len(parts) != 3 or not 0 < parts[0] < parts[1] < parts[2]:
        raise ValueError(text)
    return parts  # type: ignore[return-value]


def _text(text: str) -> str:
    return str(text).strip()


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("DATABASE_URL", DEMO_DATABASE_URL, _text,
                "SQLAlchemy URL of the case database. Default: the embedded SQLite demo city under data/.",
                "a SQLAlchemy URL such as postgresql+psycopg2://user@host/db"),
        Setting("REFRESH_SECONDS", 30, _positive_int,
                "How often open pages check whether the data changed.", "a whole number of seconds above 0"),
        Setting("INCOMPLETE_DAYS", 3, _non_negative_int,
                "How many recent days every time chart marks as incomplete, because results arrive late.",
                "a whole number of days, 0 or more"),
        Setting("ZONE_THRESHOLDS", (20.0, 50.0, 150.0), _thresholds,
                "Weekly incidence per 100,000 where the zone turns yellow, orange and red.",
                "three increasing numbers separated by commas, e.g. 20,50,150"),
        Setting("REPORT_DEADLINE_HOUR", 12, _hour,
                "Hour (WIB) of the day after the report day by which a facility report is on time.",
                "an hour from 0 to 23"),
        Setting("QUERY_ROW_LIMIT", 100_000, _positive_int,
                "Most rows one named query may return to a page.", "a whole number above 0"),
        Setting("NIK_PEPPER", "", _text,
                "Secret key for pseudonymising NIK at ingestion. Required outside the demo database.",
                "a long random string"),
    )
}


def _secrets() -> dict[str, Any]:
    path = Path(os.environ.get("DASHBOARD_SECRETS", SECRETS_PATH))
    if not path.exists():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (tomllib.TOMLDecodeError, OSError) as e:
        raise SettingsError("secrets.toml", str(path), f"a readable TOML file ({e})") from e


def get(name: str) -> Any:
    """The value of one setting: environment, then secrets.toml, then the default."""
    setting = SETTINGS[name]
    raw = os.environ.get(name)
    if raw is None:
        raw = _secrets().get(name)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return setting.default
    if not isinstance(raw, str):
        raw = ",".join(map(str, raw)) if isinstance(raw, (list, tuple)) else str(raw)
    try:
        return setting.parse(raw)
    except (ValueError, TypeError) as e:
        raise SettingsError(name, raw, setting.expected) from e


def database_url() -> str:
    return get("DATABASE_URL")


def is_demo_url(url: str) -> bool:
    return url == DEMO_DATABASE_URL
