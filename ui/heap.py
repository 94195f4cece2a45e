"""The server process's heap, settled once its long-lived objects exist.

Python's cyclic garbage collector walks every tracked object of the oldest generation when it runs
a full collection: the modules, catalogs and engines of the dashboard, which never die. At city
scale a page run allocates enough pandas objects to trigger one every ten or twenty runs, and each
took 50-140 ms, the slowest 5% of page runs (measured with bench.pages and gc.callbacks).
`settle()` imports what every page uses, collects, and freezes what is alive then (gc.freeze): later
full collections skip those objects (about 1 ms each since). Objects frozen are never collected
by the cyclic collector, so it runs once per process, before any data is loaded.
"""
from __future__ import annotations

import gc
import importlib
import pkgutil
import threading

import figures
import ui

_settled = False
_lock = threading.Lock()  # the first runs of several sessions arrive on their own threads


def settle() -> None:
    """Import every figure and UI module, then freeze the heap; once per process."""
    global _settled
    with _lock:
        if _settled:
            return
        for package in (figures, ui):
            for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
                importlib.import_module(module.name)
        gc.collect()
        gc.freeze()
        _settled = True
