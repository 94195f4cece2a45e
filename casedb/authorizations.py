"""Authorisations: the Dinkes recommendation that lets a facility test and issue health certificates.
Grant one (its number, the test types it covers, valid from/until) and revoke one with a reason;
neither is ever deleted, since certificate checks judge each certificate by the authorisations of its
issue day (queries/certificate_verify.sql: issuer_unauthorized).

Each change is written in one transaction with its audit row (`authorization_change`, naming the
facility, the number, the test types and the dates), the fraud rule 1 checks of the certificates it
covers (casedb.document_checks) and a data version bump.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from casedb import document_checks
from casedb.facilities import RegistryError, normalise_code, record_change
from casedb.schema import TEST_TYPES, authorization_test_types, authorizations, facilities
from casedb.users import User
from casedb.wib import now_utc

MAX_NUMBER = 60  # the column's width
MAX_REASON = 500


def normalise_number(number: str) -> str:
    """Numbers are kept as written on the letter (440/00012/DINKES-PKU/REK/2026), without the spaces
    around them."""
    return (number or "").strip()


def grant(engine: Engine, registry_code: str, number: str, test_types, valid_from: date | None,
          valid_until: date | None, by: User) -> int:
    """Record a new authorisation of the facility; returns its id."""
    code, number = normalise_code(registry_code), normalise_number(number)
    if not number:
        raise RegistryError("registry.number_missing")
    if len(number) > MAX_NUMBER:
        raise RegistryError("registry.number_long", limit=MAX_NUMBER)
    chosen = set(test_types or ())
    if not chosen:
        raise RegistryError("registry.test_types_missing")
    if not chosen <= set(TEST_TYPES):
        raise RegistryError("registry.bad_test_type")
    covered = [tt for tt in TEST_TYPES if tt in chosen]
    if valid_from is None or valid_until is None:
        raise RegistryError("registry.dates_missing")
    if valid_from > valid_until:
        raise RegistryError("registry.dates_reversed")
    try:
        with engine.begin() as conn:
            facility = conn.execute(select(facilities.c.id, facilities.c.closed_on)
                                    .where(facilities.c.registry_code == code)).first()
            if facility is None:
                raise RegistryError("registry.unknown_facility", code=code)
            if facility.closed_on is not None and valid_from >= facility.closed_on:
                raise RegistryError("registry.facility_closed", code=code)
            if conn.execute(select(authorizations.c.id).where(authorizations.c.number == number)).first():
                raise RegistryError("registry.number_taken")
            authorization_id = conn.execute(insert(authorizations).values(
                facility_id=facility.id, number=number, valid_from=valid_from,
                valid_until=valid_until, granted_by=by.username,
            )).inserted_primary_key[0]
            conn.execute(insert(authorization_test_types),
                         [{"authorization_id": authorization_id, "test_type": tt} for tt in covered])
            document_checks.after_authorisation(conn, facility.id, valid_from, valid_until)
            record_change(conn, by, "authorization_change", facility=code, number=number, op="grant",
                          test_types=covered, valid_from=valid_from, valid_until=valid_until)
    except IntegrityError as error:  # the same number recorded by someone else meanwhile
        raise RegistryError("registry.number_taken") from error
    return authorization_id


def revoke(engine: Engine, number: str, reason: str, by: User, at: datetime | None = None) -> None:
    """Revoke an authorisation from `at` (naive UTC, default now): certificates issued from then on
    under it are no longer covered; those issued before stay covered."""
    number, reason = normalise_number(number), (reason or "").strip()
    if not reason:
        raise RegistryError("registry.reason_missing")
    if len(reason) > MAX_REASON:
        raise RegistryError("registry.reason_long", limit=MAX_REASON)
    at = at or now_utc()
    with engine.begin() as conn:
        row = conn.execute(
            select(authorizations.c.id, authorizations.c.facility_id, authorizations.c.revoked_at,
                   authorizations.c.valid_from, authorizations.c.valid_until, facilities.c.registry_code)
            .join(facilities, facilities.c.id == authorizations.c.facility_id)
            .where(authorizations.c.number == number)).first()
        if row is None:
            raise RegistryError("registry.unknown_number")
        if row.revoked_at is not None:
            raise RegistryError("registry.already_revoked")
        conn.execute(update(authorizations).where(authorizations.c.id == row.id)
                     .values(revoked_at=at, revoked_reason=reason))
        document_checks.after_authorisation(conn, row.facility_id, row.valid_from, row.valid_until)
        covered = sorted(conn.execute(select(authorization_test_types.c.test_type)
                                      .where(authorization_test_types.c.authorization_id == row.id)).scalars(),
                         key=TEST_TYPES.index)
        record_change(conn, by, "authorization_change", facility=row.registry_code, number=number, op="revoke",
                      test_types=covered, valid_from=row.valid_from, valid_until=row.valid_until,
                      revoked_at=at, reason=reason)
