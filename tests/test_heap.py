"""ui.heap.settle: the server process freezes its long-lived objects once, after importing every
page's modules, so that full garbage collections during page runs skip them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import gc, pkgutil, sys
import figures, ui
from ui import heap
assert gc.get_freeze_count() == 0
heap.settle()
first = gc.get_freeze_count()
expected = [m.name for p in (figures, ui) for m in pkgutil.iter_modules(p.__path__, p.__name__ + ".")]
missing = [name for name in expected if name not in sys.modules]
garbage = [[] for _ in range(1000)]
heap.settle()
print(first, gc.get_freeze_count(), len(expected), missing)
"""


def test_settle_imports_every_page_module_and_freezes_once():
    # A process of its own: a frozen heap stays frozen for the life of the process.
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    first, second, modules, missing = out.stdout.split(maxsplit=3)
    assert int(first) > 10_000  # pandas, SQLAlchemy, plotly and the dashboard's own modules
    assert int(second) == int(first)  # the second call froze nothing more
    assert int(modules) >= 20 and missing.strip() == "[]"
