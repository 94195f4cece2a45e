"""Navigation by role, the shared sidebar, and the guard every page starts with.

`dashboard.py` calls `shell()` and then runs the page the address asks for. Every page is
registered with st.navigation for everyone, so that any page's address reaches that page's own
guard; only the role's pages are visible, and the sidebar links list only those. A page opened by a
deep link on a fresh server can run without dashboard.py, so every page starts with
`begin(page_key)`, which runs the shell itself when dashboard.py did not, then shows the sign-in
form to a visitor or refuses clearly a role the page is not for.

A visitor at the root address gets a sign-in page of its own (not a page of PAGES): after signing
in, the rerun asks for a page the signed-in navigation does not hold, so Streamlit falls back to
the role's first page. A visitor who opened a page's address stays on it after signing in, and sees
it or the refusal.

Sign-in, session expiry and the role check are `ui.auth`'s.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from casedb import settings, users
from casedb.engine import DatabaseUnavailable, get_engine
from casedb.schema import ROLES
from casedb.settings import SettingsError
from ui import auth, demo_setup, errors, heap, live
from ui.i18n import LANGUAGES, language, set_language, t

ROLE_KEY = live.ROLE_KEY
# A file of the project's own: a Material icon name here would be fetched from Google's font
# servers by every browser, and no request may leave the machine (the map works offline).
FAVICON = Path(__file__).resolve().parent.parent / "assets" / "favicon.png"
FIGURE_ROLES = ("mayor", "health", "press", "admin")
# Sections of the navigation, in the order shown; the catalog key of a title is nav.section.<name>.
SECTIONS = ("monitoring", "analysis", "press", "administration")


@dataclass(frozen=True)
class PageSpec:
    key: str  # also the catalog key page.<key> of its title
    path: str
    icon: str
    roles: tuple[str, ...]
    section: str  # one of SECTIONS

    @property
    def url_path(self) -> str:
        """The file's name: until the server process first runs st.navigation, Streamlit routes
        addresses through the pages folder by file name, so any other path would be "Page not
        found" on a fresh server."""
        return PurePosixPath(self.path).stem


# In section order (SECTIONS), then the order shown within a section: a role's first page here is
# where it lands after signing in.
PAGES = (
    PageSpec("overview", "pages/overview.py", ":material/monitoring:", FIGURE_ROLES, "monitoring"),
    PageSpec("map", "pages/map.py", ":material/map:", ("mayor", "health"), "monitoring"),
    PageSpec("movement", "pages/movement.py", ":material/transfer_within_a_station:", ("mayor", "health"),
             "monitoring"),
    PageSpec("certificate_check", "pages/certificate_check.py", ":material/verified_user:",
             ("checkpoint", "health", "admin"), "monitoring"),
    PageSpec("compliance", "pages/compliance.py", ":material/fact_check:", ("health", "mayor"), "analysis"),
    PageSpec("fraud", "pages/fraud.py", ":material/gpp_maybe:", ("health",), "analysis"),
    PageSpec("tracing", "pages/tracing.py", ":material/share:", ("health", "mayor"), "analysis"),
    PageSpec("briefing", "pages/briefing.py", ":material/campaign:", ("press", "health", "mayor"), "press"),
    PageSpec("audit", "pages/audit.py", ":material/history:", ("admin",), "administration"),
    PageSpec("upload", "pages/upload.py", ":material/upload_file:", ("health", "admin"), "administration"),
    # The health office reads the registry; operators keep it. Both grant and revoke authorisations.
    PageSpec("facilities", "pages/facilities.py", ":material/local_hospital:", ("health", "admin"),
             "administration"),
    PageSpec("authorizations", "pages/authorizations.py", ":material/approval:", ("health", "admin"),
             "administration"),
    PageSpec("users", "pages/users.py", ":material/manage_accounts:", ("admin",), "administration"),
)
_BY_KEY = {page.key: page for page in PAGES}

_shell_ran: ContextVar[bool] = ContextVar("shell_ran", default=False)
_links_slot: ContextVar = ContextVar("links_slot", default=None)


def current_role() -> str | None:
    """The signed-in user's role (set by ui.auth), None for a visitor."""
    role = st.session_state.get(ROLE_KEY)
    return role if role in ROLES else None


def pages_for(role: str) -> list[PageSpec]:
    return [page for page in PAGES if role in page.roles]


LANGUAGE_PICKER_KEY = "lang_picker"


def _language_picked() -> None:
    set_language(st.session_state[LANGUAGE_PICKER_KEY])


def _language_picker() -> None:
    """The language switch. The session's language is the one state; the radio shows it and
    changes it only through its callback. Streamlit names a widget after the script that draws it,
    which changes when a session started through the pages folder (a fresh server) goes through
    dashboard.py: the radio is then new, and a click on the old one must still count (its callback
    runs), while the new one must show the session's language, not its own first option."""
    requested = st.query_params.get("lang")
    if requested in LANGUAGES and "lang" not in st.session_state:
        set_language(requested)  # a shared link keeps its language on first open
    st.session_state[LANGUAGE_PICKER_KEY] = language()
    st.sidebar.radio("Bahasa / Language", list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True,
                     key=LANGUAGE_PICKER_KEY, on_change=_language_picked)
    if requested != language():  # written only when it differs: each write is a message to the browser
        st.query_params["lang"] = language()


def link_to(page_key: str, label: str | None = None, **query_params: str) -> bool:
    """A link to another page of the session's navigation (the session stays signed in), opening
    it with `query_params`. False when there is none: a page run as the entry script itself (a
    deep link as a fresh server's first request) has no pages beside it to link to."""
    page = _BY_KEY[page_key]
    try:
        st.page_link(page.path, label=label or t(f"page.{page.key}"), icon=page.icon, query_params=query_params)
    except StreamlitPageNotFoundError:
        return False
    return True


def _page_links(role: str) -> None:
    """The role's pages under their section titles."""
    section = None
    for page in pages_for(role):
        title = None
        if page.section != section:
            section = page.section
            title = st.empty()
            title.caption(t(f"nav.section.{section}"))
        if not link_to(page.key):
            if title is not None:
                title.empty()
            return


def shell() -> None:
    """Page config, sidebar (language, role, page links, data freshness) and the settings and
    database checks. Ends the run on a clear translated page when either cannot be used."""
    heap.settle()  # once per server process: the first run imports every page's modules
    title = st.sidebar.empty()  # above the language picker, drawn once the language is known
    _language_picker()
    st.set_page_config(page_title=t("app.title"), page_icon=str(FAVICON), layout="wide")
    title.title(t("app.short_title"))
    try:
        for name in settings.SETTINGS:
            settings.get(name)
        url = settings.database_url()
        if settings.is_demo_url(url):
            demo_setup.ensure_demo_database()
        engine = get_engine(settings.read_database_url())
        live.check(engine)
        if not live.is_stale():
            auth.flush_audit()
    except SettingsError as error:
        errors.settings_error(error)
        st.stop()
    except DatabaseUnavailable as error:
        errors.stop_on_database_error(error)
    if settings.is_demo_url(url):
        _ensure_demo_accounts(url)
    user = auth.current_user()
    if user is None:
        return  # the page's guard shows the sign-in form
    auth.sidebar_account(user)
    # Links are drawn by `begin`: on dashboard.py's first run the pages exist only once
    # st.navigation has been called, after the shell.
    _links_slot.set(st.sidebar.container())
    with st.sidebar:
        st.divider()
        live.freshness()
    if live.is_stale():
        live.stale_banner()


@st.cache_resource(show_spinner=False)
def _ensure_demo_accounts(url: str) -> None:
    users.ensure_demo_accounts(get_engine(url))


@contextmanager
def shell_done():
    """Marks the run as having drawn the shell, so that the page `dashboard.py` runs does not
    draw it again."""
    token = _shell_ran.set(True)
    try:
        yield
    finally:
        _shell_ran.reset(token)


def _sign_in_page() -> None:
    auth.require(ROLES, t("app.title"))


def navigation():
    """Every page of PAGES by section (st.navigation's dict form: section title -> pages), the
    role's visible (its first is the default, served at the root) and the others hidden; for a
    visitor, the sign-in page is the default. The sidebar shows the role's links itself (`begin`)."""
    role = current_role()
    sections: dict[str, list] = {}
    if role is None:
        sections[""] = [st.Page(_sign_in_page, title=t("app.title"), url_path="masuk")]
    # The role's pages first, so that the first section's first page is the role's first page.
    for page in sorted(PAGES, key=lambda page: role not in page.roles):
        sections.setdefault(t(f"nav.section.{page.section}"), []).append(
            st.Page(page.path, title=t(f"page.{page.key}"), icon=page.icon, url_path=page.url_path,
                    visibility="visible" if role in page.roles else "hidden"))
    return st.navigation(sections, position="hidden")


def begin(page_key: str) -> str:
    """Start a page: the shell (when dashboard.py did not run it), the role's links, then the
    sign-in and role check. Returns the role."""
    if not _shell_ran.get():
        shell()
    role = current_role()
    if role is not None:  # also above a refusal, which says to choose another page there
        with _links_slot.get() or st.sidebar:
            _page_links(role)
    return auth.require(_BY_KEY[page_key].roles, t(f"page.{page_key}")).role
