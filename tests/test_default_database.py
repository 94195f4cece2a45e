"""The embedded demo database: `make run`'s --if-absent build, and leaving other databases alone."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from casedb import settings
from casedb.demo import default_database

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "casedb.demo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_if_absent_does_nothing_when_another_database_is_configured(tmp_path, monkeypatch):
    other = tmp_path / "other.sqlite"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{other}",
           "DASHBOARD_SECRETS": str(tmp_path / "none.toml")}
    result = _cli("--if-absent", env=env)
    assert result.returncode == 0, result.stderr
    assert "no demo city" in result.stdout
    assert not other.exists()


def test_ensure_builds_once_then_reports_ready(tmp_path, monkeypatch):
    target = tmp_path / "data" / "demo.sqlite"
    monkeypatch.setattr(settings, "DEMO_DATABASE_PATH", target)
    seen: list[float] = []
    assert default_database.ensure(lambda fraction, _message: seen.append(fraction), scale="small") is True
    assert default_database.is_built()
    assert seen and max(seen) <= 1.0
    engine = create_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM regions WHERE level = 'kelurahan'")).scalar_one() == 83
        assert conn.execute(text("SELECT version FROM data_version")).scalar_one() > 0
    engine.dispose()
    # No side files are left behind, and a second call builds nothing.
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.endswith((".lock", "-wal", "-shm"))) == [
        "demo.sqlite"]
    assert default_database.ensure(lambda *_: None, scale="small") is False
