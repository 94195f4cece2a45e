"""`make bench`: the quick form of every benchmark. Heavier forms (city scale, 1M rows) are run by
hand with the commands recorded in BENCHMARKS.md."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = (
    ["demo_bench.py", "--scale", "small"],
    ["ingest_bench.py", "--rows", "200000"],
    ["browser_bench.py", "--runs", "3"],
)

for script, *args in QUICK:
    print(f"== {script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)
