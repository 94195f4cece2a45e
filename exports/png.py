"""A plotly figure as PNG, for reports and downloads.

plotly's `fig.to_image` renders through kaleido (>= 1), which drives a Chrome or Chromium found by
choreographer: the `BROWSER_PATH` environment variable when set, else a browser on PATH (Debian's
`/usr/bin/chromium`). Nothing is downloaded: without kaleido or a browser the export is refused
with `ExportUnavailable("export.png_unavailable")`, which a page shows translated. Starting the
browser takes seconds: make PNGs on request, never on every page run; `warm()` starts one browser
for the process ahead of time, which every later render reuses.
"""
from __future__ import annotations

import atexit
import os
import shutil
import threading
import warnings
from contextlib import contextmanager

import plotly.graph_objects as go

from exports import ExportUnavailable


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str:
    """The browser kaleido will drive: BROWSER_PATH, else one on PATH. Checked before kaleido
    starts, because its server, started without one, fails in a thread and leaves the caller waiting."""
    named = os.environ.get("BROWSER_PATH")
    found = named if named and os.access(named, os.X_OK) else None
    if not named:
        found = next(filter(None, (shutil.which(name) for name in BROWSERS)), None)
    if not found:
        raise ExportUnavailable("export.png_unavailable", f"no Chromium at {named}" if named else "no Chromium on PATH")
    return found


_server_lock = threading.Lock()
_server_started = False


def _kaleido():
    try:
        import kaleido
    except ImportError as e:
        raise ExportUnavailable("export.png_unavailable", "kaleido is not installed") from e
    return kaleido


def warm() -> None:
    """Start kaleido's browser for this process, if not yet running, without waiting for it: every
    later render (`figure_png`, `renderer`) reuses it instead of starting a browser (seconds). Kept
    until the process ends. A page calls this when a reader who may render opens it."""
    global _server_started
    kaleido = _kaleido()
    _browser()
    with _server_lock:
        if _server_started:
            return
        try:
            kaleido.start_sync_server(silence_warnings=True)
        except Exception as e:  # noqa: BLE001 - no browser, or one that does not start
            raise ExportUnavailable("export.png_unavailable",
                                    str(e).splitlines()[0] if str(e) else type(e).__name__) from e
        _server_started = True
        atexit.register(_stop)


def _stop() -> None:
    global _server_started
    with _server_lock:
        if _server_started:
            _kaleido().stop_sync_server(silence_warnings=True)
            _server_started = False


@contextmanager
def renderer():
    """Several figures in a row through the process's one browser (`warm`). A failure inside stops
    it, so that the next render starts a fresh one."""
    warm()
    try:
        yield
    except ExportUnavailable:
        _stop()
        raise


def figure_png(figure: go.Figure, width: int = 1200, height: int = 600, scale: float = 1.0) -> bytes:
    """The figure as PNG bytes, `width` x `height` CSS pixels times `scale`."""
    _kaleido()  # plotly imports it itself; checked here for a clear message
    _browser()
    try:
        with warnings.catch_warnings():  # plotly's note that a running server (`warm`) keeps its own options
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            return figure.to_image(format="png", width=width, height=height, scale=scale)
    except Exception as e:  # noqa: BLE001 - kaleido/choreographer raise many kinds for a missing or failing browser
        raise ExportUnavailable("export.png_unavailable", str(e).splitlines()[0] if str(e) else type(e).__name__) from e
