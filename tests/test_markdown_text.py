"""Text that comes from a file, a URL or a user is shown as text: Streamlit renders the body of
st.info, st.caption, st.error, st.success, st.table cells and widget labels as Markdown, so such text
reaches them escaped (ui.i18n.escape_markdown) and never turns into bold text or a link."""
from __future__ import annotations

import re

import pytest

from casedb.ingest import Message
from tests.test_ingest import FIXTURES, db  # noqa: F401 - db is a fixture
from tests.test_ingest_upload import page, upload_db  # noqa: F401 - upload_db is a fixture
from ui import i18n

PHISHING = "**Akun Anda akan dinonaktifkan** [masuk ulang](https://evil.example)"
# Every ASCII punctuation character may be escaped in CommonMark; unescaped, these make Markdown.
_ACTIVE = re.compile(r"(?<!\\)[*_\[\]()`#<>|~$:!.@&]")


def shown_as_text(rendered: str, original: str) -> bool:
    """True when `original` appears in `rendered` with every Markdown character escaped."""
    escaped = i18n.escape_markdown(original)
    return escaped in rendered and not _ACTIVE.search(escaped)


@pytest.mark.parametrize("text", [PHISHING, "# heading", "- item", "1. item", "a_b_c", "`code`", "<b>x</b>",
                                  ":red[merah] :material/warning:", "$x^2$", "line\nbreak", "back\\slash*",
                                  "www.evil.example", "a@evil.example", "&#42;", "+ item", "=="])
def test_escaped_text_has_no_active_markdown_character(text):
    escaped = i18n.escape_markdown(text)
    assert not _ACTIVE.search(escaped)
    assert re.sub(r"\\(.)", r"\1", escaped) == text.replace("\n", " ")
    assert not escaped.lstrip().startswith(("-", "#", "1.", ">", "+"))


def test_a_message_rendered_for_markdown_escapes_its_parameters_only():
    note = Message("ingest.note.ignored_columns", {"columns": PHISHING})
    assert note.render("en") == i18n.t("ingest.note.ignored_columns", "en", columns=PHISHING)
    assert note.render("en", markdown=True) == i18n.t("ingest.note.ignored_columns", "en",
                                                      columns=i18n.escape_markdown(PHISHING))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_an_ignored_column_named_in_markdown_is_shown_as_text(upload_db, lang):
    lines = (FIXTURES / "results_good.csv").read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ";" + PHISHING] + [line + ";x" for line in lines[1:]]
    at = page(lang, "health")
    at.file_uploader[0].set_value(("hasil.csv", "\n".join(lines).encode("utf-8"), "text/csv")).run()
    notes = [info.value for info in at.info]
    assert any(PHISHING.split("**")[1] in n for n in notes), notes
    note = next(n for n in notes if "dinonaktifkan" in n)
    assert "**Akun" not in note and "](https" not in note, note
    assert shown_as_text(note, PHISHING), note


def test_a_display_name_in_markdown_is_shown_as_text(upload_db):
    """A display name is typed by an operator or comes from the single sign-on provider's claims."""
    import time

    from casedb import users
    from ui import auth

    users.create(upload_db, "t-phish", "health", "apptest-password-1", PHISHING)
    at = page("en", "health")
    at.session_state[auth.USER_KEY] = {"username": "t-phish", "display_name": PHISHING, "role": "health",
                                       "email": None, "is_demo": False, "via_sso": False}
    at.session_state[auth.LAST_SEEN_KEY] = time.time()
    at.run()
    shown = [c.value for c in at.sidebar.caption if "dinonaktifkan" in c.value]
    assert shown and "**Akun" not in shown[0] and shown_as_text(shown[0], PHISHING), shown
