"""Backup and restore as the README documents them (PostgreSQL): a loaded database dumped with
`pg_dump -Fc`, restored with `pg_restore` into a new database, answers every named query exactly
as the original does. The parameters of each query come from its `-- params:` header, with
values that find rows in this city; a query added later is covered without a new test."""
from __future__ import annotations

import re
import subprocess
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

import queries
from casedb import authorizations, schema
from casedb.engine import get_engine
from casedb.users import User
from tests.conftest import create_database, drop_database
from tests.test_end_to_end import build_city

DAY = date(2026, 11, 20)
CERTIFICATE = ("SK/LAB-SIDOMULYO/2026/000001", "K7Q2M9")
# Values by parameter name; any other parameter by its type in the header.
BY_NAME = {
    "day": DAY, "today": DAY, "start": date(2026, 11, 1), "end": DAY,
    "start_at": datetime(2026, 1, 1), "end_at": datetime(2027, 1, 1), "at": datetime(2026, 11, 21, 3),
    "action": "", "username": "", "search": "", "type": "", "kecamatan": "", "row_limit": 10_000,
    "registry_code": "LAB-SIDOMULYO", "number": CERTIFICATE[0], "check_code": CERTIFICATE[1],
}
BY_TYPE = {"date": DAY, "datetime": datetime(2026, 11, 20, 5), "int": 10_000, "integer": 10, "whole": 12, "text": ""}
_PARAM = re.compile(r"(\w+) \((\w+)")
# Queries that must find rows here, so that the comparison is not of empty results.
NOT_EMPTY = ("audit_log", "certificate_verify", "city_cases_daily", "city_cases_totals", "city_positivity",
             "city_tests_daily", "facilities", "facility_authorizations", "kecamatan_cases", "kelurahan")


def params_of(name: str) -> tuple[str, dict]:
    """(role, parameters) to run a named query with: role health where it may, else its first."""
    query = queries.load(name, "postgresql")
    header = next((line for line in (queries.QUERY_DIR / f"{name}.sql").read_text().splitlines()
                   if line.startswith("-- params:")), "")
    types = dict(_PARAM.findall(header))
    params = {p: BY_NAME[p] if p in BY_NAME else BY_TYPE[types.get(p, "text").split(":")[0]] for p in query.params}
    return ("health" if "health" in query.roles else sorted(query.roles)[0]), params


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def loaded(tmp_path):
    url = create_database("postgresql", tmp_path)
    build_city(url)
    engine = get_engine(url)
    authorizations.grant(engine, "LAB-SIDOMULYO", "445/DINKES/2026/07", ("pcr", "antigen"), date(2026, 1, 1),
                         date(2026, 12, 31), User("operator", "Operator", "admin"))
    with engine.begin() as conn:
        result = conn.execute(select(schema.test_results).where(schema.test_results.c.source_ref == "E4")).one()
        conn.execute(insert(schema.certificates).values(
            number=CERTIFICATE[0], check_code=CERTIFICATE[1], facility_id=result.facility_id,
            test_result_id=result.id, person_key=result.person_key, test_type="pcr", certified_result="negative",
            issued_at=datetime(2026, 11, 15, 5), issued_day=date(2026, 11, 15), valid_until=datetime(2026, 11, 22, 5)))
    yield url
    drop_database(url)


def test_a_restored_dump_answers_every_named_query_alike(loaded, tmp_path):
    dump = tmp_path / "pekanbaru.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), "-d", libpq(loaded)], check=True, capture_output=True)
    restored = create_database("postgresql", tmp_path)
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", libpq(restored), str(dump)],
                       check=True, capture_output=True)
        original, copy = get_engine(loaded), get_engine(restored)
        found = {}
        for name in queries.names():
            role, params = params_of(name)
            queries.clear_cache()
            before = queries.run(name, role, engine=original, **params)
            after = queries.run(name, role, engine=copy, **params)
            pd.testing.assert_frame_equal(after, before, obj=name)
            found[name] = len(before)
        assert {n for n in NOT_EMPTY if not found[n]} == set()
        assert queries.run("certificate_verify", "health", engine=copy, **params_of("certificate_verify")[1]
                           ).at[0, "status"] == "valid"
        # The restored database takes new rows after the restored ones (its id sequences came along).
        assert queries.data_version(copy)[0] == queries.data_version(original)[0]
        with copy.begin() as conn:
            new_id = conn.execute(insert(schema.audit_log).values(
                at=datetime(2026, 12, 1), action="login", outcome="success")).inserted_primary_key[0]
            assert new_id > max(r for (r,) in conn.execute(select(schema.audit_log.c.id)) if r != new_id)
    finally:
        drop_database(restored)


def test_every_query_gets_parameters_from_its_header():
    for name in queries.names():
        role, params = params_of(name)
        assert role in queries.load(name, "postgresql").roles
        assert set(params) == set(queries.load(name, "postgresql").params)
