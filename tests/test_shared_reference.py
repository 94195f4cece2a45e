"""The comparisons with ../shared/reference run when the folder is there; on a bare clone they are
skipped, except in CI (CI=true), where a missing folder fails the run."""
from __future__ import annotations

import pytest

from tests import conftest
from tests.test_reference import shared


@pytest.mark.parametrize(("value", "expected"), [
    (None, False), ("", False), ("0", False), ("false", False), ("No", False), ("true", True), ("1", True),
    ("TRUE", True), ("yes", True),
])
def test_ci_is_told_by_the_ci_variable(value, expected):
    assert conftest.in_ci({} if value is None else {"CI": value}) is expected


def test_a_present_folder_is_used(tmp_path):
    assert conftest.require_shared_reference(tmp_path, {"CI": "true"}) == tmp_path
    assert conftest.require_shared_reference(tmp_path, {}) == tmp_path


def test_a_missing_folder_skips_outside_ci(tmp_path):
    with pytest.raises(pytest.skip.Exception, match="skipped outside CI"):
        conftest.require_shared_reference(tmp_path / "absent", {})
    with pytest.raises(pytest.skip.Exception):
        conftest.require_shared_reference(tmp_path / "absent", {"CI": "false"})


def test_a_missing_folder_fails_in_ci(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="must run"):
        conftest.require_shared_reference(tmp_path / "absent", {"CI": "true"})


def test_the_reference_comparisons_go_through_the_check(tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "SHARED_REFERENCE", tmp_path / "absent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        shared("pekanbaru_kecamatan.csv")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        shared("pekanbaru_kecamatan.csv")
