"""Settings: documented, parsed, and refused with a clear error when unusable."""
from pathlib import Path

import pytest

from casedb import settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    for name in settings.SETTINGS:
        assert f"`{name}`" in text, name


def test_defaults_apply_when_nothing_is_set(monkeypatch, tmp_path):
    monkeypatch.setenv("DASHBOARD_SECRETS", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("REFRESH_SECONDS", raising=False)
    assert settings.get("REFRESH_SECONDS") == 30
    assert settings.get("ZONE_THRESHOLDS") == (20.0, 50.0, 150.0)


def test_environment_wins_over_secrets(monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('REFRESH_SECONDS = 10\nZONE_THRESHOLDS = "10,40,100"\n', encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_SECRETS", str(secrets))
    monkeypatch.delenv("REFRESH_SECONDS", raising=False)
    assert settings.get("REFRESH_SECONDS") == 10
    assert settings.get("ZONE_THRESHOLDS") == (10.0, 40.0, 100.0)
    monkeypatch.setenv("REFRESH_SECONDS", "5")
    assert settings.get("REFRESH_SECONDS") == 5


@pytest.mark.parametrize(
    "name, value",
    [
        ("REFRESH_SECONDS", "0"),
        ("REFRESH_SECONDS", "soon"),
        ("INCOMPLETE_DAYS", "-1"),
        ("ZONE_THRESHOLDS", "50,20,150"),
        ("ZONE_THRESHOLDS", "20,50"),
        ("REPORT_DEADLINE_HOUR", "24"),
        ("QUERY_ROW_LIMIT", "1e9; DROP TABLE cases"),
    ],
)
def test_unusable_values_raise_a_settings_error_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.SettingsError) as caught:
        settings.get(name)
    assert caught.value.name == name
    assert caught.value.expected


def test_broken_secrets_file_is_a_settings_error(monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("REFRESH_SECONDS = = 3\n", encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_SECRETS", str(secrets))
    monkeypatch.delenv("REFRESH_SECONDS", raising=False)
    with pytest.raises(settings.SettingsError):
        settings.get("REFRESH_SECONDS")
