"""Live data: re-query only when the data version changed, say how fresh the figures are, and
keep showing the last good figures under a "stale" banner while the database cannot be reached.

Each run starts with `check` (one tiny version lookup). Pages read through `query`, which
remembers the last good result of every (query, parameters) in the session, and draw what
`figure` returns: a figure function run with `query`, memoised per role and data version for every
session of the process (queries.memoised), so that a rerun with no new data (a refresh tick, a
widget click that changes nothing) costs a lookup; the session remembers its last good figures
too. A fragment in the sidebar polls the version every REFRESH_SECONDS and reruns the page when it
changed, or when the database is back after an outage, so pages recover by themselves. Its reruns
are not the reader's actions: they do not renew the session's idle timer (ui.auth), and an idle
session ends at one.
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any, Callable

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

import queries
from casedb import settings
from casedb.engine import DatabaseUnavailable
from ui import auth, errors
from casedb.wib import to_wib
from ui.i18n import format_date, format_time_wib, t

LAST_GOOD_KEY = "live_last_good"
STALE_KEY = "live_stale"
VERSION_KEY = "live_version"
CHANGED_AT_KEY = "live_changed_at"
ROLE_KEY = "role"
# Enough for every query and figure of a page over a few chosen days; the oldest go first.
LAST_GOOD_ENTRIES = 200


def _last_good() -> OrderedDict:
    return st.session_state.setdefault(LAST_GOOD_KEY, OrderedDict())


def check(engine: Engine) -> None:
    """Read the data version at the start of a run. When the database cannot be reached but this
    session has reached it before, mark the run stale and carry on: pages keep their last figures,
    and what the reader chose or typed (an uploaded file, a form) stays on screen. Otherwise raise."""
    try:
        version, changed_at = queries.data_version(engine)
    except DatabaseUnavailable:
        if VERSION_KEY not in st.session_state:
            raise
        st.session_state[STALE_KEY] = True
        return
    st.session_state[STALE_KEY] = False
    st.session_state[VERSION_KEY] = version
    st.session_state[CHANGED_AT_KEY] = changed_at


def data_version() -> int | None:
    """The data version this run's figures are of."""
    return st.session_state.get(VERSION_KEY)


def is_stale() -> bool:
    return bool(st.session_state.get(STALE_KEY))


def stale_banner() -> None:
    changed_at = st.session_state.get(CHANGED_AT_KEY)
    as_of = _as_of(changed_at) if changed_at else ""
    st.warning(t("live.stale", as_of=as_of), icon=":material/cloud_off:")


def query(name: str, **params: Any) -> pd.DataFrame:
    """`queries.run` for the session's role, falling back to the last good result while stale.
    With no last good result to show, the run ends on the clear database error page."""
    key = (name, tuple(sorted((k, repr(v)) for k, v in params.items())), st.session_state.get(ROLE_KEY))
    remembered = _last_good()
    if not is_stale():
        try:
            frame = queries.run(name, st.session_state.get(ROLE_KEY), at_version=st.session_state.get(VERSION_KEY),
                                **params)
        except queries.QueryTimeout as error:
            errors.query_timeout(error)
            st.stop()
        except DatabaseUnavailable as error:
            if key not in remembered:
                errors.stop_on_database_error(error)
            st.session_state[STALE_KEY] = True
            stale_banner()
        else:
            _remember(key, frame)
            return frame.copy()
    if key not in remembered:
        st.info(t("live.not_while_stale"))
        st.stop()
    return remembered[key].copy()


def prefetch(calls: list[tuple[str, dict[str, Any]]]) -> None:
    """Start the named queries ((name, params) pairs) that the page's next figures read, together
    (figures.common.prefetch says why); nothing while the page shows its last good figures."""
    if not is_stale():
        queries.start_queries(st.session_state.get(ROLE_KEY), calls, at_version=st.session_state.get(VERSION_KEY))


query.prefetch = prefetch  # figures.common.prefetch: a figure function starts its queries together


def figure(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """`fn(query, *args, **kwargs)`: a figure function's result for the session's role, memoised for
    this run's data version (queries.memoised), as a copy the page may change. Arguments that are
    not hashable (a dataclass of frames) are passed straight through, computed on every run.

    While stale nothing is memoised: the session's last good figure for these arguments is shown,
    else the figure is computed from the last good query results (`query`). A session whose figures
    all came from the memo has no last good query results, so it keeps its last good figures."""
    role = st.session_state.get(ROLE_KEY)
    named = queries.figure_key(fn, args, kwargs)
    if named is None:
        return fn(query, *args, **kwargs)
    key = ("figure", role, *named)
    if is_stale():
        remembered = _last_good()
        return queries.copied(remembered[key]) if key in remembered else fn(query, *args, **kwargs)
    value = queries.memoised(fn, query, args, kwargs, role=role, at_version=data_version(),
                             keep=lambda: not is_stale())
    if not is_stale():
        _remember(key, value)  # shared with the memo: never changed, handed out as copies
    return queries.copied(value)


def _remember(key: tuple, value: Any) -> None:
    remembered = _last_good()
    remembered[key] = value
    remembered.move_to_end(key)
    while len(remembered) > LAST_GOOD_ENTRIES:
        remembered.popitem(last=False)


def _as_of(changed_at: datetime) -> str:
    # The catalog's sentence places the day and the time itself ("Data as of {date}, {time}").
    return t("live.data_as_of", date=format_date(to_wib(changed_at)), time=format_time_wib(changed_at))


def _rerun_page() -> None:
    """Rerun the whole page for the refresh: not the reader's action, so the idle timer is not renewed."""
    auth.mark_automatic_rerun()
    st.rerun()


def _freshness() -> None:
    if auth.idle_expired():
        _rerun_page()  # an unattended page closes itself: the rerun ends the session
    try:
        version, changed_at = queries.data_version()
    except DatabaseUnavailable:
        if not is_stale():
            _rerun_page()
        st.caption(t("live.stale_short"))
        return
    if is_stale() or version != st.session_state.get(VERSION_KEY):
        _rerun_page()
    st.caption(_as_of(changed_at))


def freshness() -> None:
    """"Data as of 27 Nov 2026, 16:30 WIB", re-checked every REFRESH_SECONDS: a change (or the
    database coming back) reruns the whole page."""
    st.fragment(_freshness, run_every=settings.get("REFRESH_SECONDS"))()
