"""A plotly figure as PNG, for reports and downloads.

plotly's `fig.to_image` renders through kaleido (>= 1), which drives a Chrome or Chromium found by
choreographer: the `BROWSER_PATH` environment variable when set, else a browser on PATH (Debian's
`/usr/bin/chromium`). Nothing is downloaded: without kaleido or a browser the export is refused
with `ExportUnavailable("export.png_unavailable")`, which a page shows translated. A render takes
seconds (a browser starts): make PNGs on request, never on every page run.
"""
from __future__ import annotations

import os
import shutil
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


@contextmanager
def renderer():
    """Several figures in a row through one browser: kaleido's server is started for the block
    (each `figure_png` alone starts a browser, seconds each), and stopped afterwards."""
    try:
        import kaleido
    except ImportError as e:
        raise ExportUnavailable("export.png_unavailable", "kaleido is not installed") from e
    _browser()
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception as e:  # noqa: BLE001 - no browser, or one that does not start
        raise ExportUnavailable("export.png_unavailable", str(e).splitlines()[0] if str(e) else type(e).__name__) from e
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def figure_png(figure: go.Figure, width: int = 1200, height: int = 600, scale: float = 1.0) -> bytes:
    """The figure as PNG bytes, `width` x `height` CSS pixels times `scale`."""
    try:
        import kaleido  # noqa: F401 - plotly imports it itself; checked here for a clear message
    except ImportError as e:
        raise ExportUnavailable("export.png_unavailable", "kaleido is not installed") from e
    _browser()
    try:
        return figure.to_image(format="png", width=width, height=height, scale=scale)
    except Exception as e:  # noqa: BLE001 - kaleido/choreographer raise many kinds for a missing or failing browser
        raise ExportUnavailable("export.png_unavailable", str(e).splitlines()[0] if str(e) else type(e).__name__) from e
