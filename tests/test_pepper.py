"""The NIK pepper is checked (issue 18, item 7): a strong one is required outside the demo, the demo
pepper is refused on any other database, and a fingerprint of the pepper a database was first loaded
with is stored and compared on every load, so that a mistyped pepper cannot make new person keys for
the same people."""
from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import func, select

from casedb import reference, schema
from casedb.demo.people import DEMO_PEPPER
from casedb.ingest import IngestRefused, load, resolve_pepper
from casedb.pseudonym import FINGERPRINT_LABEL, fingerprint
from tests.test_ingest import FIXTURES
from ui import i18n

STRONG = "k3J9-vQ2x-Lm8p-Zt4r-Wc6y-Hb1n-Fd5s"  # 34 characters of several kinds


@pytest.fixture
def db(empty_db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_SECRETS", "/nonexistent/secrets.toml")
    with empty_db.begin() as conn:
        reference.load(conn)
    return empty_db


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("pepper", [
    "x",
    "short-but-mixed-Pepper-1",                 # 24 characters
    "a" * 40,                                   # one kind of character
    "abcdefghijklmnopqrstuvwxyzabcdefgh",       # 34 lower-case letters: one kind
    "12345678901234567890123456789012",         # 32 digits: one kind
])
def test_a_weak_pepper_is_refused_outside_the_demo(db, monkeypatch, pepper):
    monkeypatch.setenv("NIK_PEPPER", pepper)
    with pytest.raises(IngestRefused) as refused:
        resolve_pepper(db)
    assert refused.value.message.key == "ingest.weak_pepper"
    with pytest.raises(IngestRefused):
        load(db, "test_results", FIXTURES / "results_good.csv")
    assert _count(db, schema.persons) == 0


def test_a_strong_pepper_is_accepted(db, monkeypatch):
    monkeypatch.setenv("NIK_PEPPER", STRONG)
    assert resolve_pepper(db) == STRONG
    assert load(db, "test_results", FIXTURES / "results_good.csv").accepted == 7


def test_the_demo_pepper_is_refused_on_another_database(db, monkeypatch):
    with pytest.raises(IngestRefused) as refused:
        load(db, "test_results", FIXTURES / "results_good.csv", pepper=DEMO_PEPPER)
    assert refused.value.message.key == "ingest.demo_pepper"
    monkeypatch.setenv("NIK_PEPPER", DEMO_PEPPER)
    with pytest.raises(IngestRefused) as refused:
        resolve_pepper(db)
    assert refused.value.message.key in ("ingest.demo_pepper", "ingest.weak_pepper")
    assert _count(db, schema.persons) == 0


def test_the_first_load_stores_a_fingerprint_and_another_pepper_is_refused(db, monkeypatch):
    monkeypatch.setenv("NIK_PEPPER", STRONG)
    assert load(db, "test_results", FIXTURES / "results_good.csv").accepted == 7
    with db.connect() as conn:
        stored = conn.execute(select(schema.pepper_fingerprint.c.fingerprint)).scalars().all()
    expected = hmac.new(STRONG.encode(), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()
    assert stored == [expected] == [fingerprint(STRONG)]
    assert STRONG not in stored[0]
    persons = _count(db, schema.persons)

    # The same pepper again: loads (the movements share the persons).
    assert load(db, "movements", FIXTURES / "movements.csv").rows_in > 0
    # A mistyped pepper: refused, nothing written, with a message in both languages.
    monkeypatch.setenv("NIK_PEPPER", STRONG[:-1] + "t")
    with pytest.raises(IngestRefused) as refused:
        load(db, "test_results", FIXTURES / "results_overlap.csv")
    assert refused.value.message.key == "ingest.pepper_mismatch"
    for lang in ("id", "en"):
        assert refused.value.message.render(lang) != "ingest.pepper_mismatch"
    assert _count(db, schema.test_results) == 7
    assert _count(db, schema.persons) == persons
