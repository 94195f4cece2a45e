"""Messages of ingestion: a message key and its parameters, rendered in the reader's language by
the translation catalogs (assets/i18n), never a traceback."""
from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    key: str
    params: dict = field(default_factory=dict)

    def render(self, lang: str, markdown: bool = False) -> str:
        """The message in `lang`; with `markdown`, its parameters (column names, values, details
        taken from a file) escaped so that an element rendering Markdown shows them as text."""
        from ui.i18n import escape_markdown, format_number, t

        params = {k: format_number(v, lang=lang) if isinstance(v, int) else v for k, v in self.params.items()}
        if markdown:
            params = {k: escape_markdown(v) if isinstance(v, str) else v for k, v in params.items()}
        return t(self.key, lang, **params)


class IngestRefused(Exception):
    """The whole file (or the configuration) cannot be taken in; nothing was written."""

    def __init__(self, key: str, **params):
        super().__init__(f"{key} {params}")
        self.message = Message(key, params)


def reasons_to_text(reasons: list[Message]) -> str:
    """How a rejected row's reasons are stored: JSON, so that any reader renders them in its language."""
    return json.dumps([{"key": r.key, "params": r.params} for r in reasons], ensure_ascii=False)


def reasons_from_text(text: str) -> list[Message]:
    return [Message(r["key"], r["params"]) for r in json.loads(text)]


def render_reasons(text: str, lang: str) -> str:
    return "; ".join(m.render(lang) for m in reasons_from_text(text))
