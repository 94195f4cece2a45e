"""The project's own reference tables: Pekanbaru's kecamatan and kelurahan, the regions travellers
come from or go to, the city's entry points and its real health facilities.

Each CSV beside this module names, in its `source` column, where every fact comes from (see
README.md). Populations: three kecamatan (Binawidya, Tuahmadani, Payung Sekaki) and the ten
kelurahan of the first two have published figures; every other population is an estimate,
labelled as such, that shares the rest of the city's 1,167,599 inhabitants (Kemendagri, mid-2024)
with density taken as proportional to 1/sqrt(area) of each kelurahan (method in
`casedb.reference.populations`).

`load(conn)` writes all of it into an empty database, in the caller's transaction.
"""
from __future__ import annotations

import csv
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from casedb import schema
from casedb.bulk import advance_id_sequence

__all__ = [
    "CITY_POPULATION", "load", "kecamatan_frame", "kelurahan_frame", "external_region_frame",
    "entry_point_frame", "facility_frame", "kelurahan_2020_frame", "kelurahan_codes_2020", "kecamatan_codes_2020",
]

HERE = Path(__file__).resolve().parent
CITY_POPULATION = 1_167_599
CITY_POPULATION_SOURCE = "Kemendagri, mid-2024"


def _bool(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"expected true or false, got {text!r}")
    return text == "true"


def _optional_int(text: str) -> int | None:
    return int(text) if text else None


_REGION_TYPES = {"centroid_lat": float, "centroid_lon": float, "area_km2": float, "population": int,
                 "population_is_estimate": _bool}
_COLUMN_TYPES: dict[str, dict[str, Callable[[str], object]]] = {
    "kecamatan.csv": _REGION_TYPES,
    "kelurahan.csv": _REGION_TYPES,
    "external_regions.csv": {"centroid_lat": float, "centroid_lon": float},
    "entry_points.csv": {"lat": float, "lon": float, "coord_is_approximate": _bool},
    "facilities.csv": {"lat": float, "lon": float, "beds": _optional_int, "opened_on": date.fromisoformat,
                       "reports_daily": _bool, "is_synthetic": _bool},
    "kelurahan_2020.csv": {"changed": _bool},
}


@lru_cache(maxsize=None)
def _rows(name: str) -> tuple[dict, ...]:
    types = _COLUMN_TYPES[name]
    with open(HERE / name, newline="", encoding="utf-8") as f:
        return tuple({k: types.get(k, str)(v) for k, v in row.items()} for row in csv.DictReader(f))


def _frame(name: str) -> pd.DataFrame:
    return pd.DataFrame([dict(r) for r in _rows(name)])


def kecamatan_frame() -> pd.DataFrame:
    return _frame("kecamatan.csv")


def kelurahan_frame() -> pd.DataFrame:
    return _frame("kelurahan.csv")


def external_region_frame() -> pd.DataFrame:
    return _frame("external_regions.csv")


def entry_point_frame() -> pd.DataFrame:
    """Entry points in file order; row i is loaded with id i + 1."""
    return _frame("entry_points.csv")


def facility_frame() -> pd.DataFrame:
    """Real facilities in file order; row i is loaded with id i + 1."""
    frame = _frame("facilities.csv")
    frame["beds"] = frame["beds"].astype("Int64")
    return frame


def kelurahan_2020_frame() -> pd.DataFrame:
    """Each kelurahan as the 2020 lists coded it (12 kecamatan, before Perda 2/2020 split Tampan,
    Tenayan Raya, Rumbai and Rumbai Pesisir into today's 15) and its code today."""
    return _frame("kelurahan_2020.csv")


def kelurahan_codes_2020() -> dict[str, str]:
    """2020 kelurahan code -> today's code, for the 83 kelurahan (most codes did not change)."""
    return {r["code_2020"]: r["code"] for r in _rows("kelurahan_2020.csv")}


def kecamatan_codes_2020() -> dict[str, tuple[str, ...]]:
    """2020 kecamatan code -> today's kecamatan codes that hold its kelurahan (Tampan 14.71.08 ->
    Binawidya 14.71.08 and Tuahmadani 14.71.13, ...). A 2020 kecamatan code alone does not say in
    which of today's kecamatan a case lives; a kelurahan code does."""
    parents = dict(zip(kelurahan_frame().code, kelurahan_frame().parent_code))
    found: dict[str, set[str]] = {}
    for r in _rows("kelurahan_2020.csv"):
        found.setdefault(r["kecamatan_code_2020"], set()).add(parents[r["code"]])
    return {old: tuple(sorted(codes)) for old, codes in sorted(found.items())}


def _columns_of(table, row: dict) -> dict:
    return {k: v for k, v in row.items() if k in table.c}


def load(conn: Connection, facilities: bool = True) -> None:
    """Insert every reference row into an empty database (kecamatan before their kelurahan).
    `facilities=False` leaves the registry empty, for a city that loads its own (casedb.setup)."""
    conn.execute(insert(schema.regions), [
        {**_columns_of(schema.regions, r), "level": "kecamatan", "parent_code": None} for r in _rows("kecamatan.csv")])
    conn.execute(insert(schema.regions), [
        {**_columns_of(schema.regions, r), "level": "kelurahan"} for r in _rows("kelurahan.csv")])
    conn.execute(insert(schema.external_regions),
                 [_columns_of(schema.external_regions, r) for r in _rows("external_regions.csv")])
    tables = ((schema.entry_points, "entry_points.csv"), (schema.facilities, "facilities.csv"))
    for table, name in tables[:2 if facilities else 1]:
        conn.execute(insert(table), [{**_columns_of(table, r), "id": i} for i, r in enumerate(_rows(name), start=1)])
        advance_id_sequence(conn, table)
