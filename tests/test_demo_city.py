"""The demo city: deterministic, every table filled, and consistent with itself, checked against
independent pandas recomputations over the raw rows."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Date, DateTime, select

from casedb import schema
from casedb.demo import SCALES, build
from tests.conftest import DEMO_END, SMALL_CITY_BUILD_COUNTS, drop_database, migrated_engine

# Also empty by design: case_outcomes logs outcomes loaded from files (the generator sets a case's
# outcome on the case itself), and pepper_fingerprint is written by the first load with a real
# pepper (the demo city's pepper is fixed and never recorded).
# Press releases are published by people from the briefing page; the generator publishes none.
EMPTY_BY_DESIGN = {"users", "audit_log", "ingest_batches", "rejected_rows", "case_outcomes", "pepper_fingerprint",
                   "releases", "release_figures", "release_files", "release_changes"}
TODAY = (DEMO_END + timedelta(hours=7)).date()
KINDS = {
    "unauthorized_issuer", "no_matching_test", "result_of_other_person", "issued_before_result",
    "negative_over_positive", "shared_certificate_number", "positive_then_negative_elsewhere",
    "implausible_negatives", "issuing_volume_spike", "presented_after_expiry", "unknown_certificate_number",
    "late_reporter", "silent_facility",
}


def read(engine, table_name: str) -> pd.DataFrame:
    table = schema.metadata.tables[table_name]
    with engine.connect() as conn:
        frame = pd.read_sql(select(table).order_by(*table.primary_key.columns), conn)
    for column in table.columns:
        if isinstance(column.type, (Date, DateTime)):
            frame[column.name] = pd.to_datetime(frame[column.name])
    return frame


def wib_day(moments: pd.Series) -> pd.Series:
    return (moments + pd.Timedelta(hours=7)).dt.normalize()


def table_hash(engine, table_name: str) -> str:
    frame = read(engine, table_name)
    return hashlib.sha256(frame.to_csv(index=False, float_format="%.9g").encode()).hexdigest()


def test_same_seed_same_rows_on_both_backends_and_another_seed_differs(tmp_path):
    urls = []
    try:
        engines = {}
        for name, backend, seed in (("a", "sqlite", 7), ("b", "sqlite", 7), ("pg", "postgresql", 7), ("other", "sqlite", 8)):
            url, engine = migrated_engine(backend, tmp_path)
            urls.append(url)
            build(engine, scale="small", seed=seed, end=DEMO_END)
            engines[name] = engine
        for table in schema.metadata.sorted_tables:
            if table.name != "data_version":
                assert table_hash(engines["a"], table.name) == table_hash(engines["b"], table.name), table.name
        for table in ("persons", "test_results", "certificates", "cases", "contacts", "movements", "daily_area"):
            assert table_hash(engines["a"], table) == table_hash(engines["pg"], table), table
        assert table_hash(engines["a"], "test_results") != table_hash(engines["other"], "test_results")
    finally:
        for url in urls:
            drop_database(url)


def test_every_table_is_filled_to_the_scale(small_city):
    scale = SCALES["small"]
    counts = {t.name: len(read(small_city, t.name)) for t in schema.metadata.sorted_tables}
    # The tables the generator leaves empty, as it built them: sign-in tests that share the
    # fixture add users and audit rows afterwards.
    built = SMALL_CITY_BUILD_COUNTS[small_city.dialect.name]
    for table, count in counts.items():
        generated = built.get(table, 0) if table in EMPTY_BY_DESIGN else count
        assert (generated == 0) == (table in EMPTY_BY_DESIGN), table
    assert counts["persons"] == scale.people
    assert counts["cases"] == scale.cases
    assert counts["facilities"] == scale.facilities
    assert abs(counts["test_results"] / scale.tests - 1) < 0.05
    assert abs(counts["contacts"] / scale.contacts - 1) < 0.1
    assert abs(counts["movements"] / scale.movements - 1) < 0.05


def test_tests_times_and_days(small_city):
    tests = read(small_city, "test_results")
    assert (tests["specimen_at"] <= tests["result_at"]).all()
    assert (tests["result_at"] <= tests["reported_at"]).all()
    assert (tests["reported_at"] <= DEMO_END).all()
    assert (tests["result_day"] == wib_day(tests["result_at"])).all()
    assert set(tests["test_type"]) == {"pcr", "antigen", "antibody"}
    assert set(tests["purpose"]) == {"diagnostic", "screening", "travel", "contact_tracing"}
    today = tests[tests["result_day"] == pd.Timestamp(TODAY)]
    assert len(today) > 0
    per_weekday = tests.groupby(tests["result_day"].dt.day_of_week).size()
    assert per_weekday[6] < 0.85 * per_weekday[[0, 1, 2, 3, 4]].mean()  # fewer on Sundays


def test_cases_are_confirmed_by_a_pcr_or_antigen_positive_of_the_same_person(small_city):
    cases = read(small_city, "cases")
    tests = read(small_city, "test_results").set_index("id")
    persons = read(small_city, "persons").set_index("person_key")
    confirming = tests.loc[cases["test_result_id"]]
    assert (confirming["result"].to_numpy() == "positive").all()
    assert confirming["test_type"].isin(["pcr", "antigen"]).all()
    assert (confirming["person_key"].to_numpy() == cases["person_key"].to_numpy()).all()
    assert (confirming["result_at"].to_numpy() == cases["confirmed_at"].to_numpy()).all()
    assert (cases["confirmed_day"] == wib_day(cases["confirmed_at"])).all()
    assert (cases["kelurahan_code"].to_numpy() == persons.loc[cases["person_key"], "home_kelurahan_code"].to_numpy()).all()
    assert (cases["confirmed_day"] == pd.Timestamp(TODAY)).any()
    died = cases["died_at"].notna().mean()
    assert 0.01 < died < 0.05
    assert not (cases["died_at"].notna() & cases["recovered_at"].notna()).any()
    assert cases["is_imported"].any()


def test_is_imported_means_an_entry_in_the_14_days_before(small_city):
    cases = read(small_city, "cases")
    entries = read(small_city, "movements").query("direction == 'in'")[["person_key", "at"]]
    joined = cases[["id", "person_key", "confirmed_at"]].merge(entries, on="person_key")
    recent = joined[(joined["at"] <= joined["confirmed_at"]) & (joined["at"] >= joined["confirmed_at"] - pd.Timedelta(days=14))]
    assert set(cases.loc[cases["is_imported"], "id"]) == set(recent["id"])


def test_contacts_listed_after_their_index_case(small_city):
    cases = read(small_city, "cases").set_index("id")
    contacts = read(small_city, "contacts")
    confirmed = cases.loc[contacts["index_case_id"], "confirmed_at"].to_numpy()
    assert (contacts["listed_at"].to_numpy() >= confirmed).all()
    traced = contacts["traced_at"].notna()
    assert (contacts.loc[traced, "traced_at"] >= contacts.loc[traced, "listed_at"]).all()
    became = contacts.dropna(subset=["became_case_id"])
    assert len(became) > 0
    assert (cases.loc[became["became_case_id"].astype(int), "person_key"].to_numpy() == became["contact_person_key"].to_numpy()).all()


def test_certificates_rest_on_a_result_of_the_same_person_unless_labelled(small_city):
    certificates = read(small_city, "certificates")
    tests = read(small_city, "test_results").set_index("id")
    truth = read(small_city, "demo_ground_truth")
    labelled = set(truth.loc[truth["entity"] == "certificate", "entity_id"].astype(int))
    behind = tests.reindex(certificates["test_result_id"])
    sound = (behind["person_key"].to_numpy() == certificates["person_key"].to_numpy()) \
        & (behind["result"].to_numpy() == certificates["certified_result"].to_numpy()) \
        & (behind["result_at"].to_numpy() <= certificates["issued_at"].to_numpy())
    assert set(certificates.loc[~sound, "id"]) <= labelled
    assert (~sound).sum() > 0
    same_facility = behind["facility_id"].to_numpy() == certificates["facility_id"].to_numpy()
    assert same_facility[sound].all()


def test_movement_document_status_agrees_with_the_certificates(small_city):
    movements = read(small_city, "movements")
    certificates = read(small_city, "certificates")
    authorizations = read(small_city, "authorizations").merge(
        read(small_city, "authorization_test_types"), left_on="id", right_on="authorization_id")
    authorizations = authorizations[["facility_id", "test_type", "valid_from", "valid_until", "revoked_at"]].rename(
        columns={"valid_until": "auth_until", "revoked_at": "auth_revoked_at"})
    covered = certificates.merge(authorizations, on=["facility_id", "test_type"])
    covered = covered[(covered["valid_from"] <= covered["issued_day"]) & (covered["issued_day"] <= covered["auth_until"])
                      & (covered["auth_revoked_at"].isna() | (covered["auth_revoked_at"] > covered["issued_at"]))]
    certificates["authorised"] = certificates["id"].isin(covered["id"])

    presented = movements.merge(certificates, how="left", left_on="certificate_number", right_on="number",
                                suffixes=("", "_cert"))
    expected = np.select(
        [presented["certificate_number"].isna(), presented["number"].isna(),
         presented["person_key"] != presented["person_key_cert"], ~presented["authorised"].astype(bool),
         (presented["at"] > presented["valid_until"]) | (presented["revoked_at"] <= presented["at"])],
        ["none", "not_found", "mismatch", "issuer_unauthorized", "expired"], "valid")
    assert (presented["document_status"].to_numpy() == expected).all()
    assert set(movements["document_status"]) == {"valid", "expired", "not_found", "issuer_unauthorized", "mismatch", "none"}


def test_people_places_and_entry_points_are_all_covered(small_city):
    persons = read(small_city, "persons")
    regions = read(small_city, "regions")
    kelurahan = set(regions.loc[regions["level"] == "kelurahan", "code"])
    assert set(persons["home_kelurahan_code"].dropna()) == kelurahan
    visitors = persons[~persons["is_resident"]]
    assert visitors["home_region_code"].notna().all() and visitors["home_kelurahan_code"].isna().all()
    movements = read(small_city, "movements")
    assert set(movements["entry_point_id"]) == set(read(small_city, "entry_points")["id"])
    modes = movements.merge(read(small_city, "entry_points"), left_on="entry_point_id", right_on="id")
    assert set(modes.loc[modes["type"] == "airport", "mode"]) == {"air"}
    assert set(modes.loc[modes["type"] == "river_port", "mode"]) == {"boat"}


def test_ground_truth_labels_every_kind_on_synthetic_facilities_only(small_city):
    truth = read(small_city, "demo_ground_truth")
    facilities = read(small_city, "facilities").set_index("id")
    assert set(truth["kind"]) == KINDS
    flagged = truth.loc[truth["entity"] == "facility", "entity_id"].astype(int)
    assert facilities.loc[flagged, "is_synthetic"].all()
    synthetic = facilities[facilities["is_synthetic"]]
    assert synthetic["name"].str.endswith("(sintetis)").all() and (synthetic["source"] == "synthetic demo").all()


def test_rollups_equal_a_group_by_of_the_raw_rows(small_city):
    tests = read(small_city, "test_results")
    expected = tests.groupby(["result_day", "facility_id", "test_type"]).agg(
        tests=("id", "size"), positives=("result", lambda r: (r == "positive").sum()),
        negatives=("result", lambda r: (r == "negative").sum())).reset_index()
    actual = read(small_city, "daily_facility_tests").rename(columns={"day": "result_day"})
    pd.testing.assert_frame_equal(actual.sort_values(["result_day", "facility_id", "test_type"]).reset_index(drop=True),
                                  expected, check_dtype=False)

    cases = read(small_city, "cases")
    new = cases.groupby(["confirmed_day", "kelurahan_code"]).size()
    area = read(small_city, "daily_area").set_index(["day", "kelurahan_code"])
    assert (area["new_cases"][area["new_cases"] > 0].sort_index() == new.rename_axis(["day", "kelurahan_code"]).sort_index()).all()
    assert area["died"].sum() == cases["died_at"].notna().sum()

    movements = read(small_city, "movements")
    per_point = movements.groupby(["day", "entry_point_id", "direction"]).size()
    daily = read(small_city, "daily_entry_point").set_index(["day", "entry_point_id", "direction"])
    assert (daily["movements"].sort_index() == per_point.sort_index()).all()
    assert daily["doc_valid"].sum() == (movements["document_status"] == "valid").sum()


def test_facility_reports_follow_the_tests_and_behaviours(small_city):
    reports = read(small_city, "facility_reports")
    tests = read(small_city, "test_results")
    truth = read(small_city, "demo_ground_truth")
    sent = tests.groupby(["facility_id", "result_day"]).size().rename("sent")
    joined = reports.join(sent, on=["facility_id", "report_day"]).fillna({"sent": 0})
    close = (joined["tests_done"] - joined["sent"]).abs() <= np.maximum(2, 0.1 * joined["sent"])
    assert close.mean() > 0.9
    assert (reports["submitted_at"] <= DEMO_END).all()
    deadline = reports["report_day"] + pd.Timedelta(hours=24 + 12 - 7)
    on_time = (reports["submitted_at"] <= deadline).groupby(reports["facility_id"]).mean()
    late = truth.loc[truth["kind"] == "late_reporter", "entity_id"].astype(int)
    assert (on_time.loc[late] < 0.5).all()
    silent = truth.loc[truth["kind"] == "silent_facility", "entity_id"].astype(int)
    last = reports.groupby("facility_id")["report_day"].max()
    assert (last.loc[silent] <= pd.Timestamp(TODAY) - pd.Timedelta(days=3)).all()
