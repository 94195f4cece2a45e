"""The facility registry: register, edit, close and reopen facilities. Never delete one: every test
result, certificate and daily report rests on it, and so does every compliance figure.

Each change is checked first (a RegistryError names a catalog key `registry.*` and its parameters),
then written in one transaction with its audit row (`facility_change`) and a data version bump,
because the reporting-compliance figures read the registry.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from casedb import audit
from casedb.data_version import bump
from casedb.errors import RefusedChange
from casedb.schema import FACILITY_TYPES, facilities, regions
from casedb.users import User

# Kemenkes facility codes are digits (1471398); the demo city's are SYN-CLI-023.
REGISTRY_CODE = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,19}")
MAX_NAME = 120  # the column's width
# How far outside the box around the kelurahan centroids a facility may lie: the outer kelurahan
# stretch a few kilometres past their centroids. 0.1 degree (about 11 km) still refuses swapped,
# mistyped or sign-flipped coordinates, which land hundreds of kilometres away.
COORDINATE_MARGIN_DEGREES = 0.1
# Above Indonesia's largest hospitals (about 1,500 beds): a bigger number is a typing slip.
MAX_BEDS = 3000
WEEKDAYS = "1234567"  # ISO: 1 = Monday .. 7 = Sunday


class RegistryError(RefusedChange):
    """A registry change that cannot be made (catalog keys `registry.*`)."""


@dataclass(frozen=True)
class FacilityDraft:
    """A facility as the operator typed it (registering one, or the new state of one edited)."""

    registry_code: str
    name: str
    type: str
    kelurahan_code: str
    lat: float | None
    lon: float | None
    opened_on: date | None
    closed_weekdays: tuple[int, ...] = field(default=())
    reports_daily: bool = True
    beds: int | float | None = None  # inpatient beds; unknown for most puskesmas, clinics and labs


def normalise_code(code: str) -> str:
    return (code or "").strip().upper()


def _checked(conn: Connection, draft: FacilityDraft) -> dict:
    """The columns to write, or a RegistryError for the first thing wrong."""
    name = (draft.name or "").strip()
    if not name:
        raise RegistryError("registry.name_missing")
    if len(name) > MAX_NAME:
        raise RegistryError("registry.name_long", limit=MAX_NAME)
    if draft.type not in FACILITY_TYPES:
        raise RegistryError("registry.bad_type")
    kelurahan = conn.execute(select(regions.c.code).where(
        regions.c.code == draft.kelurahan_code, regions.c.level == "kelurahan")).first()
    if kelurahan is None:
        raise RegistryError("registry.bad_kelurahan")
    _check_coordinates(conn, draft.lat, draft.lon)
    if draft.opened_on is None:
        raise RegistryError("registry.opened_missing")
    days = sorted(set(draft.closed_weekdays))
    if any(str(d) not in WEEKDAYS for d in days):
        raise RegistryError("registry.bad_weekdays")
    if len(days) == len(WEEKDAYS):
        raise RegistryError("registry.never_open")
    beds = _checked_beds(draft.beds)
    return {"name": name, "type": draft.type, "kelurahan_code": draft.kelurahan_code,
            "lat": float(draft.lat), "lon": float(draft.lon), "opened_on": draft.opened_on,
            "closed_weekdays": "".join(map(str, days)), "reports_daily": bool(draft.reports_daily), "beds": beds}


def _checked_beds(beds: int | float | None) -> int | None:
    if beds is None:
        return None
    if not (math.isfinite(beds) and beds == int(beds) and 0 <= beds <= MAX_BEDS):
        raise RegistryError("registry.bad_beds", limit=MAX_BEDS)
    return int(beds)


def city_box(conn: Connection) -> tuple[float, float, float, float] | None:
    """(south, north, west, east): the box around the kelurahan centroids, widened by the margin."""
    row = conn.execute(select(func.min(regions.c.centroid_lat), func.max(regions.c.centroid_lat),
                              func.min(regions.c.centroid_lon), func.max(regions.c.centroid_lon))
                       .where(regions.c.level == "kelurahan")).one()
    if row[0] is None:
        return None
    m = COORDINATE_MARGIN_DEGREES
    return row[0] - m, row[1] + m, row[2] - m, row[3] + m


def _check_coordinates(conn: Connection, lat: float | None, lon: float | None) -> None:
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        raise RegistryError("registry.coordinates_missing")
    box = city_box(conn)
    if box is None or not (box[0] <= lat <= box[1] and box[2] <= lon <= box[3]):
        south, north, west, east = box or (0.0, 0.0, 0.0, 0.0)
        raise RegistryError("registry.coordinates_outside", south=south, north=north, west=west, east=east)


def record_change(conn: Connection, by: User, action: str, **detail) -> None:
    """The audit row of a registry change, in its transaction, and the data version bump."""
    audit.record(conn, by.username, by.role, action, "success", detail)
    bump(conn)


def _row(conn: Connection, code: str):
    row = conn.execute(select(facilities).where(facilities.c.registry_code == code)).first()
    if row is None:
        raise RegistryError("registry.unknown_facility", code=code)
    return row


def register(engine: Engine, draft: FacilityDraft, by: User) -> int:
    """Add a facility; returns its id."""
    code = normalise_code(draft.registry_code)
    if not REGISTRY_CODE.fullmatch(code):
        raise RegistryError("registry.bad_code")
    try:
        with engine.begin() as conn:
            values = _checked(conn, draft)
            if conn.execute(select(facilities.c.id).where(facilities.c.registry_code == code)).first():
                raise RegistryError("registry.code_taken", code=code)
            facility_id = conn.execute(insert(facilities).values(
                registry_code=code, **values, closed_on=None, is_synthetic=False,
                source=f"registered in the dashboard by {by.username}",
            )).inserted_primary_key[0]
            record_change(conn, by, "facility_change", facility=code, op="register", **values)
    except IntegrityError as error:  # registered by someone else between the check and the insert
        raise RegistryError("registry.code_taken", code=code) from error
    return facility_id


def edit(engine: Engine, draft: FacilityDraft, by: User) -> dict:
    """Change a facility (found by its registry code, which does not change: incoming files name
    it). Returns the columns that changed, with their new values; an unchanged draft writes nothing."""
    code = normalise_code(draft.registry_code)
    with engine.begin() as conn:
        row = _row(conn, code)
        values = _checked(conn, draft)
        if row.closed_on is not None and values["opened_on"] > row.closed_on:
            raise RegistryError("registry.closed_before_opened")
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            conn.execute(update(facilities).where(facilities.c.id == row.id).values(**changed))
            record_change(conn, by, "facility_change", facility=code, op="edit", **changed)
    return changed


def close(engine: Engine, registry_code: str, closed_on: date | None, by: User) -> None:
    """Record the day a facility closed: from then on it owes no reports."""
    code = normalise_code(registry_code)
    with engine.begin() as conn:
        row = _row(conn, code)
        if row.closed_on is not None:
            raise RegistryError("registry.already_closed", code=code)
        if closed_on is None:
            raise RegistryError("registry.closed_missing")
        if closed_on < row.opened_on:
            raise RegistryError("registry.closed_before_opened")
        conn.execute(update(facilities).where(facilities.c.id == row.id).values(closed_on=closed_on))
        record_change(conn, by, "facility_change", facility=code, op="close", closed_on=closed_on)


def reopen(engine: Engine, registry_code: str, by: User) -> None:
    """Undo a closing (recorded by mistake, or the facility opened again)."""
    code = normalise_code(registry_code)
    with engine.begin() as conn:
        row = _row(conn, code)
        if row.closed_on is None:
            raise RegistryError("registry.not_closed", code=code)
        conn.execute(update(facilities).where(facilities.c.id == row.id).values(closed_on=None))
        record_change(conn, by, "facility_change", facility=code, op="reopen", was_closed_on=row.closed_on)

