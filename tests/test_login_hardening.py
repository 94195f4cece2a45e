"""Password sign-in under attack (issue 18, items 3 and 6): parallel wrong passwords each count and
lock the account, counted in the database with real concurrent connections; a locked account and an
unknown name answer with the same message in the same time."""
from __future__ import annotations

import statistics
import threading
import time

from sqlalchemy import select

from casedb import users
from casedb.schema import users as users_table
from ui import auth

PASSWORD = "correct horse battery"


def _state(engine, username: str):
    with engine.connect() as conn:
        return conn.execute(select(users_table.c.failed_attempts, users_table.c.locked_until)
                            .where(users_table.c.username == username)).one()


def test_parallel_wrong_passwords_each_count_and_lock_the_account(empty_db, monkeypatch):
    attempts = 8
    monkeypatch.setenv("LOGIN_MAX_ATTEMPTS", str(attempts))
    users.create(empty_db, "target", "admin", PASSWORD)
    start = threading.Barrier(attempts)
    outcomes: list = []
    errors: list = []

    def guess(i: int) -> None:
        try:
            start.wait(timeout=30)
            outcomes.append(users.authenticate(empty_db, "target", f"wrong guess {i}"))
        except Exception as error:  # noqa: BLE001 - a failed thread must fail the test, not vanish
            errors.append(error)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(outcomes) == attempts and all(isinstance(o, users.Refusal) for o in outcomes)
    failed, locked_until = _state(empty_db, "target")
    assert failed == attempts
    assert locked_until is not None
    # Locked: even the right password is refused now.
    assert users.authenticate(empty_db, "target", PASSWORD).reason == "locked"


def _median_seconds(call, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_a_locked_account_and_an_unknown_name_answer_alike(empty_db, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_ATTEMPTS", "2")
    users.create(empty_db, "kadis", "health", PASSWORD)
    for guess in ("wrong 1", "wrong 2"):
        users.authenticate(empty_db, "kadis", guess)
    assert users.authenticate(empty_db, "kadis", "wrong 3").reason == "locked"

    unknown = auth._refusal_text(users.authenticate(empty_db, "nobody-here", "wrong"))
    locked = auth._refusal_text(users.authenticate(empty_db, "kadis", "wrong"))
    locked_right_password = auth._refusal_text(users.authenticate(empty_db, "kadis", PASSWORD))
    assert unknown == locked == locked_right_password

    # Both cost at least one argon2 verification, measured here on this machine.
    verify = _median_seconds(lambda: users._verify(users._DUMMY_HASH, "wrong"), 5)
    unknown_time = _median_seconds(lambda: users.authenticate(empty_db, "nobody-here", "wrong"), 5)
    locked_time = _median_seconds(lambda: users.authenticate(empty_db, "kadis", "wrong"), 5)
    assert unknown_time >= 0.5 * verify
    assert locked_time >= 0.5 * verify
