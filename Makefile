# The two commands a newcomer needs: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test demo bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## Start the dashboard on http://localhost:8501 (builds the embedded demo database on first run).
run: $(STAMP)
	$(PY) -m casedb.demo --if-absent
	$(VENV)/bin/streamlit run dashboard.py --server.port 8501 --server.headless true

## Run every test: SQLite and PostgreSQL (required), Streamlit AppTest, and the browser suite.
## tests/prerequisites.sh first installs chromium (and PostgreSQL) where missing and starts PostgreSQL.
## The tests without a browser run on two workers; the browser suite alone after them, since its
## keyboard and live-update checks time out when they share two cores with other tests.
test: $(STAMP)
	bash tests/prerequisites.sh
	status=0; \
	$(PY) -m pytest -n 2 --dist loadfile --ignore=tests/browser --durations=20 || status=1; \
	$(PY) -m pytest tests/browser --durations=10 || status=1; \
	exit $$status

## Rebuild the embedded demo database from scratch.
demo: $(STAMP)
	rm -f data/pekanbaru-demo.sqlite data/pekanbaru-demo.sqlite-wal data/pekanbaru-demo.sqlite-shm
	$(PY) -m casedb.demo --scale demo

## Benchmarks (not tests): print figures recorded in BENCHMARKS.md. The page query sets run on the
## city scale in PostgreSQL at BENCH_DATABASE_URL (built there first when missing, several minutes).
BENCH_DATABASE_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/pekanbaru_city
bench: $(STAMP)
	$(PY) -m bench.pages --database-url $(BENCH_DATABASE_URL) --build-if-missing
	$(PY) -m bench

clean:
	rm -rf $(VENV) data .pytest_cache artifacts
