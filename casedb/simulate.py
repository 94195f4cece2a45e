"""Live simulator: streams new test results, checkpoint records and facility reports into the case
database through the ingestion write path, so that the dashboard can be watched changing.

    python -m casedb.simulate --rate 60/min [--duration 300] [--database-url URL] [--seed 1]

Every tick writes what arrived since the last one as ordinary batches (created_by "simulator"):
rows are made as a facility or checkpoint would send them (Indonesian words, WIB times) and go
through the same validation, pseudonymisation, case rule, rollups and data version as a file.
Of every 20 records, 12 are test results, 7 movements and 1 a facility's daily report.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from casedb import schema
from casedb.engine import DatabaseUnavailable, check, get_engine
from casedb.ingest.errors import IngestRefused, Message
from casedb.ingest.pipeline import Summary, frame_reader, load_reader, resolve_pepper
from casedb.ingest.sources import SOURCES
from casedb.wib import now_utc, to_wib

SHARES = {"test_results": 12, "movements": 7, "facility_reports": 1}
TICK_SECONDS = 2.0
# Positivity by test type, near Pekanbaru's in a mid-2021 wave; antibody tests say less about now.
POSITIVITY = {"PCR": 0.14, "Antigen": 0.08, "Rapid Antibodi": 0.2}
TEST_TYPE_SHARES = {"PCR": 0.45, "Antigen": 0.5, "Rapid Antibodi": 0.05}
PEOPLE = 20_000  # repeat tests and travel come from one pool of invented people
MODES = {"airport": ["Pesawat"], "bus_terminal": ["Bus"], "river_port": ["Kapal"], "road_post": ["Mobil", "Motor"]}
DOCUMENTS = {"Valid": 0.82, "Tidak Ada": 0.1, "Kedaluwarsa": 0.05, "Tidak Ditemukan": 0.03}


@dataclass(frozen=True)
class Registry:
    facilities: list[str]
    reporting_facilities: list[str]
    entry_points: list[tuple[str, str]]
    kelurahan: list[str]
    regions: list[str]

    @classmethod
    def load(cls, engine: Engine) -> "Registry":
        f, e, r, x = schema.facilities, schema.entry_points, schema.regions, schema.external_regions
        with engine.connect() as conn:
            facilities = conn.execute(select(f.c.registry_code, f.c.reports_daily).where(f.c.closed_on.is_(None))).all()
            return cls(
                [code for code, _ in facilities],
                [code for code, daily in facilities if daily] or [code for code, _ in facilities],
                [tuple(row) for row in conn.execute(select(e.c.code, e.c.type))],
                list(conn.execute(select(r.c.code).where(r.c.level == "kelurahan")).scalars()),
                list(conn.execute(select(x.c.code).where(x.c.level == "regency")).scalars()),
            )


def _wib_text(moments: np.ndarray) -> list[str]:
    return [to_wib(m).strftime("%d/%m/%Y %H:%M") for m in pd.to_datetime(moments).to_pydatetime()]


class Simulator:
    def __init__(self, registry: Registry, seed: int):
        self.registry = registry
        self.rng = np.random.default_rng(seed)
        # People: a NIK, a home (a kelurahan, or a regency outside the city for 1 in 8), sex, birth year.
        n = PEOPLE
        self.niks = np.array([f"1471{i:012d}" for i in self.rng.choice(10**12, n, replace=False)])
        self.sex = self.rng.choice(["L", "P"], n)
        self.birth_year = self.rng.integers(1945, 2020, n)
        resident = self.rng.random(n) > 0.125
        self.kelurahan = np.where(resident, self.rng.choice(registry.kelurahan, n), "")
        self.home_region = np.where(resident, "", self.rng.choice(registry.regions, n))

    def _people(self, n: int) -> dict[str, np.ndarray]:
        who = self.rng.integers(0, PEOPLE, n)
        return {"nik": self.niks[who], "sex": self.sex[who], "birth_year": self.birth_year[who].astype(str),
                "kelurahan": self.kelurahan[who], "home_region": self.home_region[who]}

    def test_results(self, n: int, now: datetime) -> pd.DataFrame:
        test_type = self.rng.choice(list(TEST_TYPE_SHARES), n, p=list(TEST_TYPE_SHARES.values()))
        positive = self.rng.random(n) < np.array([POSITIVITY[t] for t in test_type])
        # PCR takes hours to a day from swab to result; rapid tests half an hour.
        turnaround = np.where(test_type == "PCR", self.rng.uniform(4, 30, n), self.rng.uniform(0.2, 1, n))
        result_at = np.datetime64(now) - (self.rng.uniform(0, TICK_SECONDS, n) * 1e6).astype("timedelta64[us]")
        specimen_at = result_at - (turnaround * 3600e6).astype("timedelta64[us]")
        return pd.DataFrame({
            "source_ref": [f"SIM-{uuid.uuid4().hex[:16]}" for _ in range(n)],
            "facility": self.rng.choice(self.registry.facilities, n),
            **self._people(n),
            "test_type": test_type,
            "purpose": self.rng.choice(["Diagnostik", "Skrining", "Perjalanan", "Pelacakan Kontak"], n),
            "specimen_at": _wib_text(specimen_at),
            "result_at": _wib_text(result_at),
            "reported_at": "",
            "result": np.where(positive, np.where(test_type == "Rapid Antibodi", "Reaktif", "Positif"),
                               np.where(test_type == "Rapid Antibodi", "Non Reaktif", "Negatif")),
        })

    def movements(self, n: int, now: datetime) -> pd.DataFrame:
        points = [self.registry.entry_points[i] for i in self.rng.integers(0, len(self.registry.entry_points), n)]
        documents = self.rng.choice(list(DOCUMENTS), n, p=list(DOCUMENTS.values()))
        has_document = documents != "Tidak Ada"
        return pd.DataFrame({
            "source_ref": [f"SIM-{uuid.uuid4().hex[:16]}" for _ in range(n)],
            "entry_point": [code for code, _ in points],
            **self._people(n),
            "direction": self.rng.choice(["Masuk", "Keluar"], n),
            "at": _wib_text(np.full(n, np.datetime64(now))),
            "region": self.rng.choice(self.registry.regions, n),
            "mode": [self.rng.choice(MODES[kind]) for _, kind in points],
            "certificate_number": np.where(has_document, [f"SK/SIM/{self.rng.integers(10**6):06d}" for _ in range(n)],
                                           ""),
            "document_status": documents,
            "screening_result": (screened := np.where(self.rng.random(n) < 0.1, "Negatif", "")),
            "screening_test_type": np.where(screened != "", "Antigen", ""),
        })

    def facility_reports(self, n: int, now: datetime) -> pd.DataFrame:
        tests = self.rng.integers(5, 200, n)
        return pd.DataFrame({
            "facility": self.rng.choice(self.registry.reporting_facilities, n),
            "report_day": to_wib(now).strftime("%d/%m/%Y"),
            "submitted_at": to_wib(now).strftime("%d/%m/%Y %H:%M"),
            "tests_done": tests.astype(str),
            "positives": self.rng.binomial(tests, 0.1).astype(str),
        })


def split(records: int, carry: dict[str, float]) -> dict[str, int]:
    """Records of one tick split by SHARES; fractions carry over, so low rates still produce each kind."""
    total = sum(SHARES.values())
    counts = {}
    for source, share in SHARES.items():
        carry[source] = carry.get(source, 0.0) + records * share / total
        counts[source] = int(carry[source] + 1e-9)  # 0.6 added 20 times is 11.999...
        carry[source] -= counts[source]
    return counts


def parse_rate(text: str) -> float:
    """'60/min', '2/s' or '60' (per minute) as records per second."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(min|m|s|sec|h))?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"rate {text!r}: expected e.g. 60/min, 2/s or 600/h")
    per = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, None: 60}[match.group(2)]
    return float(match.group(1)) / per


def run(engine: Engine, rate_per_second: float, duration: float | None, seed: int,
        out=sys.stdout) -> dict[str, Summary]:
    """Stream records until `duration` seconds have passed (or forever); return the totals."""
    registry = Registry.load(engine)
    simulator = Simulator(registry, seed)
    pepper = resolve_pepper(engine)
    carry: dict[str, float] = {}
    totals = {source: Summary(source, None) for source in SHARES}
    started = time.monotonic()
    last = started
    while duration is None or last - started < duration:
        time.sleep(max(0.0, TICK_SECONDS - (time.monotonic() - last)))
        now_tick = time.monotonic()
        records = rate_per_second * (now_tick - last)
        last = now_tick
        now = now_utc()
        parts = []
        for source, n in split(records, carry).items():
            if n == 0:
                continue
            frame = getattr(simulator, source)(n, now)
            summary = load_reader(engine, SOURCES[source], frame_reader(frame, SOURCES[source]), batch_source=source,
                                  pepper=pepper, created_by="simulator")
            total = totals[source]
            total.rows_in += summary.rows_in
            total.accepted += summary.accepted
            total.rejected += summary.rejected
            total.cases_created += summary.cases_created
            parts.append(f"{source} +{summary.accepted}" + (f" (cases +{summary.cases_created})"
                                                            if summary.cases_created else ""))
        if parts:
            print(f"{to_wib(now):%H:%M:%S} WIB  " + ", ".join(parts), file=out, flush=True)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m casedb.simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=parse_rate, default=parse_rate("60/min"),
                        help="records per minute (60/min), per second (2/s) or per hour (600/h)")
    parser.add_argument("--duration", type=float, help="seconds to run; default: until interrupted")
    parser.add_argument("--database-url", help="default: the DATABASE_URL setting")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--lang", choices=("id", "en"), default="id", help="language of error messages")
    args = parser.parse_args(argv)
    try:
        engine = get_engine(args.database_url)
        check(engine)
        totals = run(engine, args.rate, args.duration, args.seed)
    except IngestRefused as e:
        print(e.message.render(args.lang), file=sys.stderr)
        return 2
    except DatabaseUnavailable as e:
        print(Message(e.reason).render(args.lang), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    for source, total in totals.items():
        print(f"{source}: {total.accepted} accepted, {total.rejected} rejected, {total.cases_created} cases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
