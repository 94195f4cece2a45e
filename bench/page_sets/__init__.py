"""One module per page for `bench/pages.py`: the page's figures as the page computes them, the same
figures the naive way (pandas over the raw tables) and the comparison of the two."""
from __future__ import annotations

from typing import Any, Callable

import queries


def figure(run: Callable[..., Any], fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`fn(run, *args, **kwargs)` through the figure memo the pages use (`queries.figure`, as
    `ui.live.figure`), keyed by the (engine, role, data version) that `run` carries
    (`bench.pages.bound_run`); a run that carries none (a test's) calls straight through."""
    memo = getattr(run, "memo", None)
    if memo is None:
        return fn(run, *args, **kwargs)
    engine, role, version = memo
    return queries.figure(fn, run, args, kwargs, role=role, at_version=version, engine=engine)
