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

from casedb.schema import ROLES, TRACING_EDGES_HOURS

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


def _whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """A parser of whole numbers from `low` to `high` (inclusive; no upper bound when None)."""
    def parse(text: str) -> int:
        value = int(str(text).strip())
        if value < low or (high is not None and value > high):
            raise ValueError(text)
        return value

    return parse


_positive_int = _whole_number(1)
_non_negative_int = _whole_number(0)
_hour = _whole_number(0, 23)


def _thresholds(text: str) -> tuple[float, float, float]:
    parts = tuple(float(p) for p in str(text).split(","))
    if len(parts) != 3 or not 0 < parts[0] < parts[1] < parts[2]:
        raise ValueError(text)
    return parts  # type: ignore[return-value]


def _number_between(low: float, high: float) -> Callable[[str], float]:
    """A parser of numbers strictly between `low` and `high`."""
    def parse(text: str) -> float:
        value = float(str(text).strip())
        if not low < value < high:
            raise ValueError(text)
        return value

    return parse


def _text(text: str) -> str:
    return str(text).strip()


def _tracing_hours(text: str) -> int:
    """An edge of the daily_tracing histogram, which the rollup keeps exact counts below."""
    value = int(str(text).strip())
    if value not in TRACING_EDGES_HOURS:
        raise ValueError(text)
    return value


MAP_BASEMAPS = ("none", "light", "dark", "road")


def _basemap(text: str) -> str:
    value = str(text).strip().lower()
    if value not in MAP_BASEMAPS:
        raise ValueError(text)
    return value


def _switch(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def _sso_roles(text: str) -> tuple[tuple[str, str, str], ...]:
    """`@dinkes.go.id=health, group:humas=press` -> (("domain", "dinkes.go.id", "health"), ("group", "humas", "press"))."""
    rules = []
    for part in filter(None, (p.strip() for p in str(text).split(","))):
        key, _, role = (x.strip() for x in part.partition("="))
        role = role.lower()
        if role not in ROLES:
            raise ValueError(part)
        if key.startswith("@") and len(key) > 1:
            rules.append(("domain", key[1:].lower(), role))
        elif key.startswith("group:") and len(key) > 6:
            rules.append(("group", key[6:], role))
        else:
            raise ValueError(part)
    return tuple(rules)


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
        Setting("COMPLIANCE_GREEN", 95, _whole_number(1, 100),
                "Reporting rate (percent of expected daily reports received) at or above which a facility "
                "is green, when its on-time rate is at or above COMPLIANCE_ON_TIME too.", "a percentage from 1 to 100"),
        Setting("COMPLIANCE_ON_TIME", 90, _whole_number(1, 100),
                "On-time rate (percent of expected reports submitted by the deadline) a green facility needs.",
                "a percentage from 1 to 100"),
        Setting("COMPLIANCE_AMBER", 80, _whole_number(1, 100),
                "Reporting rate at or above which a facility that is not green is amber; below it, red.",
                "a percentage from 1 to 100"),
        Setting("SILENT_DAYS", 3, _positive_int,
                "Expected reports missing in a row after which a facility is flagged, and red when they are "
                "its latest ones (silent).", "a whole number of days above 0"),
        Setting("CONSISTENCY_GAP", 10, _whole_number(1, 100),
                "Percent by which the tests a facility declares in its daily reports may differ from the "
                "test results it sent for those days before it is flagged.", "a percentage from 1 to 100"),
        Setting("TRACING_CONTACTS_TARGET", 15, _positive_int,
                "Contacts a tracing team should list per confirmed case (WHO Go.Data).",
                "a whole number above 0"),
        Setting("TRACING_HOURS", 72, _tracing_hours,
                "Hours after the index case's confirmation within which a contact counts as traced in time.",
                "one of " + ", ".join(map(str, TRACING_EDGES_HOURS))),
        Setting("TRACING_BECAME_CASE_DAYS", 14, _positive_int,
                "A contact's case counts as the case it became when confirmed after its index case and at "
                "most this many days after the contact was listed (applied when contacts or cases are loaded).",
                "a whole number of days above 0"),
        Setting("TRACING_FOLLOWUP_HOURS", 24, _positive_int,
                "Hours since the last follow-up visit (or tracing, or listing) after which a contact in "
                "quarantine is overdue for follow-up.", "a whole number of hours above 0"),
        Setting("FRAUD_ELSEWHERE_DAYS", 7, _positive_int,
                "Fraud rule 5: days after a positive result at one facility within which a negative "
                "certificate from another facility is flagged (that many times 24 hours, included).",
                "a whole number of days above 0"),
        Setting("FRAUD_POSITIVITY_MIN_TESTS", 100, _positive_int,
                "Fraud rule 6: antigen results in the period a facility needs before its positivity is "
                "tested against the rest of the city's.", "a whole number above 0"),
        Setting("FRAUD_SIGNIFICANCE", 0.01, _number_between(0, 1),
                "Fraud rule 6: significance level of the one-sided binomial test of a facility's antigen "
                "positivity, shared by all facilities tested in the period (Bonferroni).",
                "a number between 0 and 1, e.g. 0.01"),
        Setting("FRAUD_VOLUME_JUMP", 3.0, _number_between(1, 1000),
                "Fraud rule 6: a day's certificates above this many times the facility's median of the "
                "FRAUD_VOLUME_DAYS days before are a jump.", "a number above 1, e.g. 3"),
        Setting("FRAUD_VOLUME_DAYS", 28, _whole_number(7, 366),
                "Fraud rule 6: days before a day whose median issuing volume it is compared with.",
                "a whole number of days from 7 to 366"),
        Setting("FRAUD_VOLUME_MIN", 10, _positive_int,
                "Fraud rule 6: fewest certificates in a day that can be a jump (a facility issuing one a "
                "week does not jump with two).", "a whole number above 0"),
        Setting("QUERY_ROW_LIMIT", 100_000, _positive_int,
                "Most rows one named query may return to a page.", "a whole number above 0"),
        Setting("MAP_AREA_CURVE_DAYS", 365, _whole_number(7, 3660),
                "Days the map's area panel draws the curve of new cases for, ending on the day shown (from "
                "the first day with data when that is later): a fixed window, so that the panel costs the "
                "same whatever the history's length.", "a whole number of days from 7 to 3660"),
        Setting("MAP_BASEMAP", "none", _basemap,
                "Background map under the map layers: none (no tiles fetched from the internet; the "
                "boundaries alone), or light, dark or road (CARTO tiles, needs internet access).",
                "one of none, light, dark, road"),
        Setting("QUERY_TIME_LIMIT_MS", 5_000, _positive_int,
                "Milliseconds one named query may run before it is cut (PostgreSQL statement_timeout; "
                "SQLite interrupts it).", "a whole number of milliseconds above 0"),
        Setting("QUERY_WORKERS", 4, _positive_int,
                "Named queries the server runs ahead at once, on worker threads shared by every session: a "
                "page starts the queries it is about to read together instead of one after the other.",
                "a whole number above 0"),
        Setting("NIK_PEPPER", "", _text,
                "Secret key for pseudonymising NIK at ingestion. Required outside the demo database, where it "
                "must have at least 32 characters of at least two kinds (e.g. `openssl rand -hex 32`) and "
                "must not be the demo city's; the first load records its fingerprint, and a load with "
                "another pepper is refused.",
                "a long random string"),
        Setting("CERTIFICATE_KEY", "", _text,
                "Secret key of health certificates' check codes (HMAC-SHA256 of the number). Required "
                "outside the demo database; changing it invalidates every printed check code.",
                "a long random string"),
        Setting("VERIFY_MAX_PER_MINUTE", 20, _positive_int,
                "Most certificate verifications one account may make in a minute (counted in the audit "
                "log, so the limit holds across sessions and dashboard replicas).",
                "a whole number above 0"),
        Setting("READ_DATABASE_URL", "", _text,
                "SQLAlchemy URL the pages read through, e.g. as the read-only role dashboard_reader "
                "(casedb/roles.py). Empty: read through DATABASE_URL.",
                "a SQLAlchemy URL, or nothing"),
        Setting("LOGIN_MAX_ATTEMPTS", 5, _positive_int,
                "Failed password attempts in a row after which an account is locked.", "a whole number above 0"),
        Setting("LOGIN_LOCKOUT_MINUTES", 15, _positive_int,
                "How long a locked account refuses every password, even the right one.",
                "a whole number of minutes above 0"),
        Setting("SESSION_IDLE_MINUTES", 30, _positive_int,
                "Minutes without any interaction after which a signed-in session must sign in again.",
                "a whole number of minutes above 0"),
        Setting("SESSION_MAX_HOURS", 12, _positive_int,
                "Hours after signing in at which a session must sign in again, however active it was.",
                "a whole number of hours above 0"),
        Setting("SSO_ROLES", (), _sso_roles,
                "Who gets which role after single sign-on: comma-separated rules `@domain=role` (e-mail "
                "domain) or `group:name=role` (a value of the groups claim); group rules win over domain "
                "rules. A signed-in identity no rule matches is refused.",
                "rules such as @dinkes.pekanbaru.go.id=health, group:humas=press"),
        Setting("BOUNDARIES_PATH", "", _text,
                "GeoJSON file of official kelurahan polygons keyed by Kemendagri code (property code or "
                "kode, 14.71.xx.xxxx). Empty: the approximate polygons shipped in assets/boundaries/.",
                "a path to a GeoJSON file, or nothing"),
        Setting("SSO_GROUPS_CLAIM", "groups", _text,
                "Name of the ID-token claim that lists the user's groups.", "a claim name"),
        Setting("PRESS_MAY_PUBLISH", False, _switch,
                "Whether the press role may publish a briefing release itself (health always may).",
                "true or false"),
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


def read_database_url() -> str:
    """The URL pages read through: READ_DATABASE_URL, else DATABASE_URL."""
    return get("READ_DATABASE_URL") or database_url()


def is_demo_url(url: str) -> bool:
    return url == DEMO_DATABASE_URL
