"""Build the demo city from the shell:
`python -m casedb.demo --scale small|demo|city --seed N [--database-url URL] [--end ISO]`."""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

from tqdm import tqdm

from casedb.demo import DEFAULT_SEED, SCALES, build
from casedb.engine import get_engine
from casedb.migrate import upgrade


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m casedb.demo", description=__doc__)
    parser.add_argument("--scale", choices=tuple(SCALES), default="demo")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--database-url", default=None, help="default: the configured DATABASE_URL")
    parser.add_argument("--end", type=datetime.fromisoformat, default=None,
                        help="naive-UTC moment the history ends at, e.g. 2026-11-27T09:30 (default: now)")
    args = parser.parse_args(argv)

    engine = get_engine(args.database_url)
    upgrade(engine)
    started = time.perf_counter()
    with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {elapsed}") as bar:
        def progress(fraction: float, message: str) -> None:
            bar.set_description(message)
            bar.update(round(fraction * 100) - bar.n)

        counts = build(engine, args.scale, args.seed, args.end, progress)
    elapsed = time.perf_counter() - started
    width = max(len(t) for t in counts)
    for table, count in counts.items():
        print(f"{table:<{width}}  {count:>12,}")
    print(f"{args.scale} city built in {elapsed:.1f} s on {engine.url.render_as_string(hide_password=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
