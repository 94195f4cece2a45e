"""CSV exports, and the protection of cells written back out (error tables, exports) that a
spreadsheet would run as a formula (shared by `exports.xlsx`).

A cell starting with =, +, - or @ (or a tab or carriage return, which some spreadsheets skip before
reading one of those) gets a leading apostrophe, so that it opens as the text it is (OWASP's advice
on CSV injection).
"""
from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """One cell: text that would start a formula is prefixed with an apostrophe; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell and column name of a table, neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV with a BOM (so Excel reads it as UTF-8), formula-safe."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")
