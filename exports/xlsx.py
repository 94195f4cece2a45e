"""Excel exports: one data sheet and a data-dictionary sheet, formula-safe like `exports.csv`.

openpyxl would store a text cell starting with "=" as a formula; every text cell and header goes
through `exports.csv.neutralise` first (a leading apostrophe) and is written as text.
"""
from __future__ import annotations

import io
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from exports.csv import neutralise

# Excel refuses sheet titles over 31 characters and these: \ / ? * [ ] :
_SHEET_TITLE_MAX = 31
_SHEET_TITLE_BAD = str.maketrans({c: " " for c in "\\/?*[]:"})


def _sheet_title(title: str) -> str:
    return title.translate(_SHEET_TITLE_BAD).strip()[:_SHEET_TITLE_MAX] or "Sheet"


def _cell(value: Any) -> Any:
    """A value as openpyxl takes it: no NaN/NaT (empty), numpy scalars as Python ones, text neutralised."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (int, float, bool, date, datetime)):
        return value
    return neutralise(str(value))


def _append(sheet, values: Sequence[Any], bold: bool = False) -> None:
    sheet.append([_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = TYPE_STRING  # text, never a formula
        if bold:
            cell.font = Font(bold=True)


def to_xlsx_bytes(frame: pd.DataFrame, dictionary: Sequence[tuple[str, str]] = (), *, sheet_title: str = "Data",
                  dictionary_title: str = "Data dictionary",
                  dictionary_headers: tuple[str, str] = ("Column", "Description")) -> bytes:
    """`frame` on a sheet `sheet_title` (header row in bold, frozen), then, when `dictionary` holds
    (column, description) pairs, a second sheet `dictionary_title` listing them."""
    book = Workbook()
    data = book.active
    data.title = _sheet_title(sheet_title)
    _append(data, [str(c) for c in frame.columns], bold=True)
    for row in frame.itertuples(index=False, name=None):
        _append(data, row)
    data.freeze_panes = "A2"
    for column_cells in data.iter_cols(min_row=1, max_row=min(data.max_row, 200)):
        width = max((len(str(c.value)) for c in column_cells if c.value is not None), default=8)
        data.column_dimensions[column_cells[0].column_letter].width = min(60, max(8, width + 2))
    if dictionary:
        sheet = book.create_sheet(_sheet_title(dictionary_title))
        _append(sheet, dictionary_headers, bold=True)
        for column, description in dictionary:
            _append(sheet, (column, description))
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["B"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
