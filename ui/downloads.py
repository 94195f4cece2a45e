"""The one download button of the dashboard: every export a reader takes away is audited.

`download(...)` wraps st.download_button; the click writes an `export` row to the audit log
(through `ui.auth.record`, which keeps the row while the database is away) naming what was taken.
Build `data` from the query runner's output (`ui.live.query`), so that suppression has applied.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from exports import ExportUnavailable
from ui import auth
from ui.i18n import t

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
PDF = "application/pdf"


def download(label: str, data: bytes, file_name: str, mime: str, export_name: str,
             detail: dict[str, Any] | None = None, *, key: str | None = None, container: Any = None,
             icon: str = ":material/download:", **kwargs) -> bool:
    """A download button for `data`; its click records ("export", "success", {"what": export_name,
    "file": file_name, **detail}) for the signed-in user. `container` (default: the page) is where
    it is drawn, e.g. a column. Returns whether it was clicked in this run."""
    record = {"what": export_name, "file": file_name, **(detail or {})}
    return (container or st).download_button(label, data=data, file_name=file_name, mime=mime, icon=icon,
                                              on_click=auth.record, args=("export", "success", record),
                                              key=key, **kwargs)


def unavailable(error: ExportUnavailable) -> None:
    """An export that cannot be made here, said in the reader's language."""
    st.warning(t(error.key), icon=":material/block:")


def xlsx_labels() -> dict[str, Any]:
    """The sheet titles and dictionary headers of `exports.xlsx.to_xlsx_bytes` in the reader's language."""
    return {"sheet_title": t("export.sheet.data"), "dictionary_title": t("export.sheet.dictionary"),
            "dictionary_headers": (t("export.dictionary.column"), t("export.dictionary.description"))}
