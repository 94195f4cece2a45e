"""The case rules shared by ingestion and the demo city (casedb/ingest/cases.py), on plain frames."""
from datetime import datetime

import pandas as pd

from casedb.ingest.cases import age_group, confirmations, imported


def test_confirmations_pick_each_resident_s_earliest_pcr_or_antigen_positive():
    results = pd.DataFrame([
        # id, person, type, result, at, resident, kelurahan
        (1, "a", "antibody", "positive", datetime(2026, 8, 1), True, "K1"),   # antibody never confirms
        (2, "a", "antigen", "positive", datetime(2026, 8, 3), True, "K1"),
        (3, "a", "pcr", "positive", datetime(2026, 8, 2), True, "K1"),        # earlier: confirms a
        (4, "b", "pcr", "positive", datetime(2026, 8, 2), False, None),       # not a resident
        (5, "c", "pcr", "negative", datetime(2026, 8, 2), True, "K2"),
        (7, "d", "pcr", "positive", datetime(2026, 8, 4), True, "K2"),
        (6, "d", "antigen", "positive", datetime(2026, 8, 4), True, "K2"),    # same moment: lower id
        (8, "e", "pcr", "positive", datetime(2026, 8, 1), True, None),        # no home kelurahan
    ], columns=["test_result_id", "person_key", "test_type", "result", "result_at", "is_resident",
                "home_kelurahan_code"])
    chosen = confirmations(results)
    assert list(zip(chosen["person_key"], chosen["test_result_id"])) == [("a", 3), ("d", 6)]


def test_imported_means_an_entry_in_the_14_days_before_confirmation():
    cases = pd.DataFrame({"person_key": ["a", "b", "c", "d"],
                          "confirmed_at": [datetime(2026, 8, 15, 12)] * 4})
    entries = pd.DataFrame({"person_key": ["a", "b", "b", "c", "x"],
                            "entered_at": [datetime(2026, 8, 1, 12),      # exactly 14 days: imported
                                           datetime(2026, 8, 1, 11, 59),  # just over 14 days
                                           datetime(2026, 8, 15, 13),     # after confirmation
                                           datetime(2026, 8, 15, 12),     # the same moment: imported
                                           datetime(2026, 8, 10)]})
    assert imported(cases, entries).tolist() == [True, False, True, False]


def test_age_groups_and_impossible_ages():
    ages = pd.Series([0, 9, 10, 69, 70, 105, None, -1, 200], dtype="Float64")
    assert age_group(ages).tolist() == ["0-9", "0-9", "10-19", "60-69", "70+", "70+", None, None, None]
