"""First start on the embedded demo database: migrate and build the demo city, with a progress bar.

A file lock keeps two sessions (or two server processes) from building at once: the first builds,
the others wait and show the same progress, read from a small file the builder keeps current. The
city is built into a side file and moved into place when complete, so a build that dies halfway
leaves nothing that looks like a finished database.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

import streamlit as st

from casedb import settings
from casedb.engine import DatabaseUnavailable, check, dispose_all, get_engine
from casedb.migrate import upgrade
from ui.i18n import t

POLL_SECONDS = 0.5


def _paths() -> tuple[Path, Path, Path, Path]:
    path = settings.DEMO_DATABASE_PATH
    return (path, path.with_name(path.name + ".lock"), path.with_name(path.name + ".progress"),
            path.with_name(path.name + ".building"))


def _is_built(path: Path) -> bool:
    # Never open a database that is not there: SQLite would create an empty file in its place.
    if not path.exists():
        return False
    try:
        check(get_engine(f"sqlite:///{path}"))
    except DatabaseUnavailable as error:
        if error.reason == "db.not_initialised":
            return False
        raise
    return True


def _write_progress(progress_path: Path, fraction: float, message: str) -> None:
    side = progress_path.with_name(progress_path.name + ".tmp")
    side.write_text(json.dumps({"fraction": fraction, "message": message}), encoding="utf-8")
    os.replace(side, progress_path)


def _read_progress(progress_path: Path) -> tuple[float, str]:
    try:
        state = json.loads(progress_path.read_text(encoding="utf-8"))
        return float(state["fraction"]), str(state["message"])
    except (OSError, ValueError, KeyError):
        return 0.0, ""


def _bar_text(message: str) -> str:
    return t("demo.building") + (f" — {message}" if message else "")


def ensure_demo_database(scale: str = "demo") -> None:
    """Build the demo city at DEMO_DATABASE_PATH unless it is already there."""
    path, lock_path, progress_path, building_path = _paths()
    if _is_built(path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        bar = st.progress(0.0, text=_bar_text(""))
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            while True:  # another session builds: show its progress until it lets go of the lock
                fraction, message = _read_progress(progress_path)
                bar.progress(min(max(fraction, 0.0), 1.0), text=_bar_text(message))
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(POLL_SECONDS)
        try:
            if not _is_built(path):
                _build(path, building_path, progress_path, scale, bar)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        bar.empty()


def _build(path: Path, building_path: Path, progress_path: Path, scale: str, bar) -> None:
    from casedb import demo  # the generator is only needed on this first start

    def progress(fraction: float, message: str) -> None:
        _write_progress(progress_path, fraction, message)
        bar.progress(min(max(fraction, 0.0), 1.0), text=_bar_text(message))

    dispose_all()  # let go of an empty or unfinished file before replacing it
    for leftover in (building_path, *_sidecars(building_path), *_sidecars(path)):
        leftover.unlink(missing_ok=True)
    engine = get_engine(f"sqlite:///{building_path}")
    upgrade(engine)
    demo.build(engine, scale=scale, progress=progress)
    dispose_all()  # closing the last connection folds the write-ahead log into the file
    os.replace(building_path, path)
    progress_path.unlink(missing_ok=True)


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
