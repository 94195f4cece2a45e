"""The facility registry (casedb.facilities) and its page: register, edit, close and reopen, each
checked, audited in its transaction and bumping the data version; refused changes leave nothing.
The page: the health office reads, operators change; names are free text and stay inert."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

import queries
from casedb import facilities, reference, users
from casedb.data_version import current
from casedb.facilities import FacilityDraft, RegistryError
from casedb.schema import audit_log
from casedb.schema import facilities as facilities_table
from tests.conftest import database_away, database_in_use
from tests.sessions import sign_in
from ui import i18n

ROOT = Path(__file__).resolve().parents[1]
OPERATOR = users.User("op.satu", "Operator Satu", "admin")
# Kelurahan Jadirejo (Sukajadi), centroid 0.514, 101.44499 in casedb/reference/kelurahan.csv.
JADIREJO = "14.71.01.1002"
SQL_ATTACK = "'; DROP TABLE facilities; --"
HTML_ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def draft(**changes) -> FacilityDraft:
    values = dict(registry_code="pku-0001", name="Klinik Sehat Bersama", type="clinic", kelurahan_code=JADIREJO,
                  lat=0.5141, lon=101.4452, opened_on=date(2026, 3, 1), closed_weekdays=(7,), reports_daily=True)
    return FacilityDraft(**{**values, **changes})


def audit_rows(engine, action: str = "facility_change") -> list[tuple]:
    with engine.connect() as conn:
        return [(r.username, r.role, r.outcome, json.loads(r.detail)) for r in conn.execute(
            select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id))]


def stored(engine, code: str):
    with engine.connect() as conn:
        return conn.execute(select(facilities_table).where(facilities_table.c.registry_code == code)).one()


def version(engine) -> int:
    with engine.connect() as conn:
        return current(conn)[0]


@pytest.fixture
def city_registry(empty_db):
    """The real reference data: 15 kecamatan, 83 kelurahan and 36 facilities written with their own
    ids (as the demo city and the reference load do), so a new id must come after theirs."""
    with empty_db.begin() as conn:
        reference.load(conn)
    return empty_db


def test_register_stores_the_facility_audits_it_and_bumps_the_version(city_registry):
    before = version(city_registry)
    facility_id = facilities.register(city_registry, draft(closed_weekdays=(7, 6, 7), beds=12.0), OPERATOR)
    assert facility_id == 37  # after the 36 reference facilities, on PostgreSQL too
    row = stored(city_registry, "PKU-0001")  # codes are kept in capitals, as the register writes them
    assert (row.name, row.type, row.kelurahan_code, row.lat, row.lon, row.opened_on, row.closed_on,
            row.closed_weekdays, row.reports_daily, row.beds, row.is_synthetic) == (
        "Klinik Sehat Bersama", "clinic", JADIREJO, 0.5141, 101.4452, date(2026, 3, 1), None, "67", True, 12, False)
    assert version(city_registry) == before + 1
    assert audit_rows(city_registry) == [("op.satu", "admin", "success", {
        "facility": "PKU-0001", "op": "register", "name": "Klinik Sehat Bersama", "type": "clinic",
        "kelurahan_code": JADIREJO, "lat": 0.5141, "lon": 101.4452, "opened_on": "2026-03-01",
        "closed_weekdays": "67", "reports_daily": True, "beds": 12})]


@pytest.mark.parametrize("changes, key", [
    (dict(registry_code="1471398"), "registry.code_taken"),      # RS Daerah Madani, in the reference
    (dict(registry_code="pku 0001"), "registry.bad_code"),
    (dict(registry_code=SQL_ATTACK), "registry.bad_code"),
    (dict(registry_code=""), "registry.bad_code"),
    (dict(name="   "), "registry.name_missing"),
    (dict(name="x" * 121), "registry.name_long"),
    (dict(type="pharmacy"), "registry.bad_type"),
    (dict(kelurahan_code="14.71.01"), "registry.bad_kelurahan"),  # a kecamatan, not a kelurahan
    (dict(kelurahan_code=SQL_ATTACK), "registry.bad_kelurahan"),
    (dict(lat=None), "registry.coordinates_missing"),
    (dict(lon=float("nan")), "registry.coordinates_missing"),
    (dict(lat=101.4452, lon=0.5141), "registry.coordinates_outside"),  # swapped
    (dict(lat=-0.5141), "registry.coordinates_outside"),                # south of the equator
    (dict(lat=0.8), "registry.coordinates_outside"),                    # Siak, 30 km north
    (dict(lon=101.2), "registry.coordinates_outside"),                  # Kampar, west
    (dict(opened_on=None), "registry.opened_missing"),
    (dict(closed_weekdays=(8,)), "registry.bad_weekdays"),
    (dict(closed_weekdays=tuple(range(1, 8))), "registry.never_open"),
    (dict(beds=-1), "registry.bad_beds"),
    (dict(beds=12.5), "registry.bad_beds"),
    (dict(beds=3001), "registry.bad_beds"),                             # a typing slip: no hospital is so big
    (dict(beds=float("inf")), "registry.bad_beds"),
])
def test_a_bad_facility_is_refused_with_its_message_and_nothing_written(city_registry, changes, key):
    before = version(city_registry)
    with pytest.raises(RegistryError) as refused:
        facilities.register(city_registry, draft(**changes), OPERATOR)
    assert refused.value.key == key
    assert i18n.t(key, "id", **refused.value.params) != key  # the message exists, placeholders filled
    with city_registry.connect() as conn:
        assert conn.execute(select(func.count()).select_from(facilities_table)).scalar_one() == 36
    assert version(city_registry) == before and audit_rows(city_registry) == []


def test_the_coordinate_box_is_the_kelurahan_centroids_widened_by_the_margin(city_registry):
    # Extremes of casedb/reference/kelurahan.csv, written out by hand.
    with city_registry.connect() as conn:
        south, north, west, east = facilities.city_box(conn)
    assert (round(south, 5), round(north, 5), round(west, 5), round(east, 5)) == (
        0.33646, 0.75649, 101.24938, 101.66712)
    facilities.register(city_registry, draft(lat=0.75, lon=101.25), OPERATOR)  # inside, near the corner
    with pytest.raises(RegistryError):
        facilities.register(city_registry, draft(registry_code="PKU-0002", lat=0.757, lon=101.25), OPERATOR)


def test_attack_text_in_a_name_is_stored_verbatim(city_registry):
    name = f"{HTML_ATTACK} {SQL_ATTACK}"
    facilities.register(city_registry, draft(name=f"  {name} "), OPERATOR)
    assert stored(city_registry, "PKU-0001").name == name
    with city_registry.connect() as conn:
        assert conn.execute(select(func.count()).select_from(facilities_table)).scalar_one() == 37


def test_edit_writes_and_audits_only_what_changed(city_registry):
    facilities.register(city_registry, draft(), OPERATOR)
    before = version(city_registry)
    changed = facilities.edit(city_registry, draft(name="Klinik Sehat Bersama 2", reports_daily=False), OPERATOR)
    assert changed == {"name": "Klinik Sehat Bersama 2", "reports_daily": False}
    row = stored(city_registry, "PKU-0001")
    assert (row.name, row.reports_daily, row.closed_weekdays) == ("Klinik Sehat Bersama 2", False, "7")
    assert version(city_registry) == before + 1
    assert audit_rows(city_registry)[-1][3] == {"facility": "PKU-0001", "op": "edit",
                                                "name": "Klinik Sehat Bersama 2", "reports_daily": False}
    # The same draft again changes nothing and writes nothing.
    assert facilities.edit(city_registry, draft(name="Klinik Sehat Bersama 2", reports_daily=False), OPERATOR) == {}
    assert version(city_registry) == before + 1 and len(audit_rows(city_registry)) == 2
    # Beds: set, then cleared again (unknown).
    assert facilities.edit(city_registry, draft(name="Klinik Sehat Bersama 2", reports_daily=False, beds=3000),
                           OPERATOR) == {"beds": 3000}
    assert stored(city_registry, "PKU-0001").beds == 3000
    assert facilities.edit(city_registry, draft(name="Klinik Sehat Bersama 2", reports_daily=False), OPERATOR) == {
        "beds": None}
    assert stored(city_registry, "PKU-0001").beds is None
    with pytest.raises(RegistryError) as refused:
        facilities.edit(city_registry, draft(registry_code="NO-SUCH"), OPERATOR)
    assert refused.value.key == "registry.unknown_facility"


def test_close_and_reopen(city_registry):
    facilities.register(city_registry, draft(), OPERATOR)
    with pytest.raises(RegistryError) as refused:
        facilities.close(city_registry, "PKU-0001", date(2026, 2, 28), OPERATOR)  # before it opened
    assert refused.value.key == "registry.closed_before_opened"
    facilities.close(city_registry, "pku-0001", date(2026, 11, 30), OPERATOR)
    assert stored(city_registry, "PKU-0001").closed_on == date(2026, 11, 30)
    with pytest.raises(RegistryError) as refused:
        facilities.close(city_registry, "PKU-0001", date(2026, 12, 1), OPERATOR)
    assert refused.value.key == "registry.already_closed"
    with pytest.raises(RegistryError) as refused:  # opening after its closing day
        facilities.edit(city_registry, draft(opened_on=date(2026, 12, 1)), OPERATOR)
    assert refused.value.key == "registry.closed_before_opened"
    facilities.reopen(city_registry, "PKU-0001", OPERATOR)
    assert stored(city_registry, "PKU-0001").closed_on is None
    with pytest.raises(RegistryError) as refused:
        facilities.reopen(city_registry, "PKU-0001", OPERATOR)
    assert refused.value.key == "registry.not_closed"
    assert [d["op"] for *_, d in audit_rows(city_registry)] == ["register", "close", "reopen"]
    assert audit_rows(city_registry)[1][3] == {"facility": "PKU-0001", "op": "close", "closed_on": "2026-11-30"}


# ------------------------------------------------------------------------------------ the page

def t(key: str, **kwargs) -> str:
    return i18n.t(key, lang="id", **kwargs)


@pytest.fixture
def page_city(backend, tmp_path):
    def fill(engine):
        with engine.begin() as conn:
            reference.load(conn)
        facilities.register(engine, draft(name=HTML_ATTACK), OPERATOR)

    with database_in_use(backend, tmp_path, fill) as engine:
        yield engine


def click(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def open_page(role: str, **query_params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/facilities.py"), default_timeout=60)
    at.session_state["lang"] = "id"
    sign_in(at, role)
    for name, value in query_params.items():
        at.query_params[name] = value
    return at.run()


def test_health_reads_the_registry_and_changes_nothing(page_city):
    at = open_page("health")
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert len(table) == 37 and not at.tabs and not at.get("form_submit_button")
    shown = table.set_index(t("facilities.column.registry_code")).loc["PKU-0001"]
    assert shown[t("facilities.column.name")] == HTML_ATTACK  # table data, drawn as text
    assert shown[t("facilities.column.closed_weekdays")] == t("weekday.7")
    assert shown[t("facilities.column.kecamatan")] == "Sukajadi"


def test_search_and_filters(page_city):
    at = open_page("admin")
    at.text_input(key="facility_search").input("madani").run()
    # RS Daerah Madani and its PCR lab, in casedb/reference/facilities.csv; by name or by code.
    assert list(at.dataframe[0].value[t("facilities.column.registry_code")]) == ["1471398", "LAB-PCR-RSD-MADANI"]
    at.text_input(key="facility_search").input("1471398").run()
    assert list(at.dataframe[0].value[t("facilities.column.registry_code")]) == ["1471398"]
    at.text_input(key="facility_search").input("%").run()  # a wildcard is a character like any other
    assert at.dataframe[0].value.empty
    at.text_input(key="facility_search").input("").run()
    at.selectbox(key="facility_type_filter").set_value("lab").run()
    assert set(at.dataframe[0].value[t("facilities.column.type")]) == {t("facility_type.lab")}
    assert len(at.dataframe[0].value) == 2  # the two labs of casedb/reference/facilities.csv
    at.selectbox(key="facility_type_filter").set_value("").run()
    at.selectbox(key="facility_kecamatan_filter").set_value("14.71.01").run()
    assert set(at.dataframe[0].value[t("facilities.column.kecamatan")]) == {"Sukajadi"}


def test_an_operator_registers_a_facility_through_the_form(page_city):
    at = open_page("admin")
    at.text_input(key="facility_new_code").input("pku-0002")
    at.text_input(key="facility_new_name").input("Klinik <b>Baru</b>")
    at.selectbox(key="facility_new_type").set_value("clinic")
    at.selectbox(key="facility_new_kelurahan").set_value(JADIREJO)
    at.number_input(key="facility_new_lat").set_value(101.44)  # swapped with the longitude
    at.number_input(key="facility_new_lon").set_value(0.51)
    click(at, t("facilities.register"))
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [t("registry.coordinates_outside", south="0,336", north="0,756",
                                             west="101,249", east="101,667")]
    assert at.text_input(key="facility_new_name").value == "Klinik <b>Baru</b>"  # nothing typed is lost
    at.number_input(key="facility_new_lat").set_value(0.51)
    at.number_input(key="facility_new_lon").set_value(101.44)
    click(at, t("facilities.register"))
    assert not at.error and [s.value for s in at.success] == [t("facilities.registered", code="PKU-0002")]
    assert stored(page_city, "PKU-0002").name == "Klinik <b>Baru</b>"
    assert "PKU-0002" in set(at.dataframe[0].value[t("facilities.column.registry_code")])
    assert at.text_input(key="facility_new_code").value in ("", None)  # emptied for the next one


def test_an_operator_edits_and_closes_a_facility(page_city):
    at = open_page("admin")
    at.selectbox(key="facility_edit_choice").set_value("PKU-0001").run()
    assert at.text_input(key="facility_edit_PKU-0001_name").value == HTML_ATTACK
    at.text_input(key="facility_edit_PKU-0001_name").input("Klinik Sehat")
    click(at, t("facilities.save"))
    assert [s.value for s in at.success] == [t("facilities.saved", code="PKU-0001")]
    assert stored(page_city, "PKU-0001").name == "Klinik Sehat"
    at.selectbox(key="facility_close_choice").set_value("PKU-0001").run()
    at.date_input(key="facility_close_day_PKU-0001").set_value(date(2026, 10, 1))
    at.button(key="facility_close").click().run()
    assert [s.value for s in at.success] == [t("facilities.closed", code="PKU-0001")]
    assert stored(page_city, "PKU-0001").closed_on == date(2026, 10, 1)
    assert [d["op"] for *_, d in audit_rows(page_city)] == ["register", "edit", "close"]


def test_the_page_refuses_other_roles(page_city):
    for role in ("mayor", "press", "checkpoint"):
        at = open_page(role)
        assert [e.value for e in at.error] == [t("page.not_allowed", role=t(f"role.{role}"))]
        assert not at.dataframe


def test_a_selected_row_links_to_that_facilitys_authorisations(page_city):
    # Through dashboard.py, as a browser gets it: the link needs the session's navigation.
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["lang"] = "id"
    sign_in(at, "health")
    at.run().switch_page("pages/facilities.py").run()
    assert t("facilities.pick_for_authorizations") in [c.value for c in at.caption]
    codes = list(at.dataframe[0].value[t("facilities.column.registry_code")])
    table_key = next(k for k in at.session_state.keys() if k.startswith("facility_table"))
    at.session_state[table_key] = {"selection": {"rows": [codes.index("1471398")], "columns": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    links = [(link.proto.label, link.proto.page, link.proto.query_string) for link in at.main.get("page_link")]
    assert links == [(t("facilities.open_authorizations", code="1471398"), "authorizations",
                      "facility=1471398")]
    # The last row picked, then a search leaving one row: that row number no longer means a facility.
    at.session_state[table_key] = {"selection": {"rows": [len(codes) - 1], "columns": []}}
    at.run().text_input(key="facility_search").input("madani").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.main.get("page_link") and t("facilities.pick_for_authorizations") in [c.value for c in at.caption]


def test_beds_are_shown_and_edited(page_city):
    at = open_page("admin")
    beds = at.dataframe[0].value.set_index(t("facilities.column.registry_code"))[t("facilities.column.beds")]
    assert beds.loc["1471398"] == 62 and pd.isna(beds.loc["PKU-0001"])  # RS Daerah Madani, as in the reference
    at.selectbox(key="facility_edit_choice").set_value("PKU-0001").run()
    at.number_input(key="facility_edit_PKU-0001_beds").set_value(24)
    click(at, t("facilities.save"))
    assert [s.value for s in at.success] == [t("facilities.saved", code="PKU-0001")]
    assert stored(page_city, "PKU-0001").beds == 24
    assert audit_rows(page_city)[-1][3] == {"facility": "PKU-0001", "op": "edit", "beds": 24}


@pytest.mark.parametrize("backend", ["postgresql"])  # a server that goes away
def test_the_database_going_away_keeps_what_the_operator_typed(page_city):
    at = open_page("admin")
    at.text_input(key="facility_new_code").input("pku-0003")
    at.text_input(key="facility_new_name").input("Klinik Harapan")
    at.selectbox(key="facility_new_kelurahan").set_value(JADIREJO)
    at.number_input(key="facility_new_lat").set_value(0.51)
    at.number_input(key="facility_new_lon").set_value(101.44)
    with database_away(page_city.url.render_as_string(hide_password=False)):
        click(at, t("facilities.register"))
        assert not at.exception, [e.value for e in at.exception]
        failed = t("change.failed", detail="\0").split("\0")[0]
        assert [e.value for e in at.error if e.value.startswith(failed)], [e.value for e in at.error]
        assert at.text_input(key="facility_new_name").value == "Klinik Harapan"
    click(at, t("facilities.register"))
    assert [s.value for s in at.success] == [t("facilities.registered", code="PKU-0003")]
    assert stored(page_city, "PKU-0003").name == "Klinik Harapan"
