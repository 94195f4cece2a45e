"""A city from nothing, as its operator would build it, on SQLite and PostgreSQL: the setup command
(schema, reference tables, the health office's facility registry, the first admin), then the test
results, case outcomes and checkpoint records files through the ingestion command; then the
overview shows exactly the hand-counted figures."""
from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path
from unittest.mock import patch

import pytest

import queries
from casedb import users
from casedb.engine import get_engine
from casedb.ingest.__main__ import main as ingest
from casedb.setup import main as setup
from tests.conftest import create_database, drop_database
from tests.test_ingest import counts
from figures import overview as figures

FILES = Path(__file__).parent / "fixtures" / "production"
PEPPER = "pekanbaru-production-test-pepper"
PASSWORD = "admin-pekanbaru-2026"
THRESHOLDS = (20.0, 50.0, 150.0)
# What each file's load prints (English summary): rows in = accepted + rejected + duplicates.
LOADS = (
    ("results.csv", "test_results", "Rows in: 9 = accepted 8 + rejected 1 + duplicates 0."),  # E9: no such facility
    ("outcomes.csv", "outcomes", "Rows in: 6 = accepted 4 + rejected 1 + duplicates 1."),  # E6 recovered before
    ("movements.csv", "movements", "Rows in: 3 = accepted 2 + rejected 1 + duplicates 0."),  # K3: no such post
)


def build_city(url: str, capsys=None) -> list[str]:
    """Set up the database at `url` and load the production fixture files, as the README says;
    returns what the commands printed."""
    printed: list[str] = []
    with patch.dict(os.environ, {"NIK_PEPPER": PEPPER}), patch("sys.stdin", io.StringIO(PASSWORD + "\n")):
        assert setup([url, "--facilities", str(FILES / "facilities.csv"), "--admin", "operator",
                      "--password-stdin", "--lang", "en"]) == 0
        if capsys:
            printed += capsys.readouterr().out.splitlines()
        for name, source, _ in LOADS:
            assert ingest([str(FILES / name), "--source", source, "--database-url", url, "--lang", "en"]) == 0
            if capsys:
                printed += capsys.readouterr().out.splitlines()
    return printed


@pytest.fixture
def city(backend, tmp_path, capsys):
    url = create_database(backend, tmp_path)
    printed = build_city(url, capsys)
    queries.clear_cache()
    yield get_engine(url), printed
    drop_database(url)


def overview(engine, day: date) -> figures.Overview:
    def run(name, **params):
        return queries.run(name, "health", engine=engine, **params)

    return figures.overview(run, day, figures.data_span(run), 3, THRESHOLDS)


def tiles(view: figures.Overview) -> dict[str, tuple]:
    return {t.key: t.values for t in view.tiles}


def test_from_an_empty_database_to_the_overview(city):
    engine, printed = city
    for _, _, summary in LOADS:
        assert summary in printed
    assert "4 new confirmed cases." in printed
    assert printed[-1] == "Rows in: 3 = accepted 2 + rejected 1 + duplicates 0."
    assert isinstance(users.authenticate(engine, "operator", PASSWORD), users.User)
    loaded = counts(engine)
    assert {k: loaded[k] for k in ("facilities", "test_results", "cases", "case_outcomes", "movements",
                                   "rejected_rows")} == {"facilities": 3, "test_results": 8, "cases": 4,
                                                         "case_outcomes": 4, "movements": 2, "rejected_rows": 10}

    view = overview(engine, date(2026, 11, 20))  # compared with 19 and 13 Nov
    assert tiles(view) == {
        "new_cases": (0, 0, 0),
        "active": (1, 2, 2),        # 4 confirmed - 2 recovered - 1 died; on 13 Nov E1 and E2
        "recovered": (2, 2, 0),     # E1 on 17 Nov, E2 (by NIK) on 19 Nov
        "died": (1, 0, 0),          # E3 on 20 Nov
        "tests_pcr": (0, 2, 0),     # E7, E8 on 19 Nov (E9 rejected)
        "tests_antigen": (0, 0, 0),
        "tests_antibody": (0, 0, 0),
        "positivity_pcr": (0.75, 0.75, 1.0),  # 14-20 Nov: E3, E4-, E7, E8; 7-13 Nov: E1
        "positivity_antigen": (1.0, 1.0, 1.0),
    }
    assert view.curve["day"].dt.date.tolist() == [date(2026, 11, d) for d in range(10, 21)]
    assert view.curve["new_cases"].tolist() == [1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    assert view.curve["incomplete"].tolist() == [False] * 8 + [True] * 3
    # 14-20 Nov: E3 (15 Nov, 23:30 WIB) and E6 (18 Nov; a 2020 code of Tampan, Tuahmadani today).
    kecamatan = view.kecamatan.set_index("code")
    assert {c: int(n) for c, n in kecamatan["new_cases"].items() if int(n)} == {"14.71.13": 2}
    assert kecamatan.at["14.71.13", "zone"] == "green"
    assert kecamatan.at["14.71.13", "incidence"] == pytest.approx(2 * 100_000 / 178_437)

    earlier = overview(engine, date(2026, 11, 18))  # compared with 17 and 11 Nov
    assert {k: v for k, v in tiles(earlier).items() if k in ("new_cases", "active", "recovered", "died")} == {
        "new_cases": (1, 0, 0), "active": (3, 2, 1), "recovered": (1, 1, 0), "died": (0, 0, 0)}
