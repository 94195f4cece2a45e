"""The embedded demo database: built on first start, once, whoever asks first.

`make run` (through `python -m casedb.demo --if-absent`) and the dashboard's first page view both
call `ensure`. A file lock keeps two processes from building at once: the first builds, the others
wait and report the same progress, read from a small file the builder keeps current. The city is
built into a side file and moved into place when complete, so a build that dies halfway leaves
nothing that looks like a finished database.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Callable

from casedb import settings
from casedb.engine import DatabaseUnavailable, check, dispose_all, get_engine
from casedb.migrate import upgrade

POLL_SECONDS = 0.5
Progress = Callable[[float, str], None]


def _paths() -> tuple[Path, Path, Path, Path]:
    path = settings.DEMO_DATABASE_PATH
    return (path, path.with_name(path.name + ".lock"), path.with_name(path.name + ".progress"),
            path.with_name(path.name + ".building"))


def is_built() -> bool:
    path = settings.DEMO_DATABASE_PATH
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


def ensure(progress: Progress, scale: str = "demo") -> bool:
    """Build the demo city at DEMO_DATABASE_PATH unless it is already there. True if this call
    (or a concurrent one it waited for) had to build it."""
    path, lock_path, progress_path, building_path = _paths()
    if is_built():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            while True:  # another process builds: report its progress until it lets go of the lock
                progress(*_read_progress(progress_path))
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(POLL_SECONDS)
        try:
            if not is_built():
                _build(path, building_path, progress_path, scale, progress)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return True


def _build(path: Path, building_path: Path, progress_path: Path, scale: str, progress: Progress) -> None:
    from casedb import demo

    def report(fraction: float, message: str) -> None:
        _write_progress(progress_path, fraction, message)
        progress(fraction, message)

    dispose_all()  # let go of an empty or unfinished file before replacing it
    for leftover in (building_path, *_sidecars(building_path), *_sidecars(path)):
        leftover.unlink(missing_ok=True)
    engine = get_engine(f"sqlite:///{building_path}")
    upgrade(engine)
    demo.build(engine, scale=scale, progress=report)
    dispose_all()  # closing the last connection folds the write-ahead log into the file
    os.replace(building_path, path)
    progress_path.unlink(missing_ok=True)


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
