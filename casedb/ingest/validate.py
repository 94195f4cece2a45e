"""Checking and typing a chunk of rows, column at a time (pandas), so that a million rows take
seconds. Every problem of a row becomes a `Message` (key + parameters); a row with any problem is
rejected whole and kept with all its reasons.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.engine import Connection

from casedb import schema
from casedb.reference import kelurahan_codes_2020
from casedb.ingest.errors import Message
from casedb.ingest.read import Chunk
from casedb.ingest.sources import Source, normalise
from casedb.wib import wib_day, wib_days, wib_to_utc

# Nothing before 2020 is a SARS-CoV-2 record; clocks of senders may run a little ahead of ours.
EARLIEST = datetime(2020, 1, 1)
CLOCK_TOLERANCE = timedelta(minutes=10)
_DATE_TIME = re.compile(
    r"^(?:(?P<d>\d{1,2})[/-](?P<m>\d{1,2})[/-](?P<y>\d{4})|(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2}))"
    r"(?:[ T](?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?)?$"
)
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_WHOLE_DECIMAL = re.compile(r"^\d+[.,]0+$")


@dataclass(frozen=True)
class Context:
    """The registries a row is checked against, read once per batch."""

    facilities: dict[str, int]
    entry_points: dict[str, int]
    kelurahan: dict[str, str]
    centroids: dict[str, tuple[float, float]]
    regions: frozenset[str]
    now: datetime

    @classmethod
    def load(cls, conn: Connection, now: datetime) -> "Context":
        f, e, r, x = schema.facilities, schema.entry_points, schema.regions, schema.external_regions
        facilities = {normalise(code): id_ for id_, code in conn.execute(select(f.c.id, f.c.registry_code))}
        entry_points = {normalise(code): id_ for id_, code in conn.execute(select(e.c.id, e.c.code))}
        rows = conn.execute(select(r.c.code, r.c.name, r.c.centroid_lat, r.c.centroid_lon)
                            .where(r.c.level == "kelurahan")).all()
        names = pd.Series([normalise(row.name) for row in rows])
        unique_names = set(names[~names.duplicated(keep=False)])
        kelurahan: dict[str, str] = {}
        for row in rows:
            kelurahan[normalise(row.code)] = row.code
            kelurahan[row.code.replace(".", "")] = row.code
            if normalise(row.name) in unique_names:
                kelurahan[normalise(row.name)] = row.code
        centroids = {row.code: (row.centroid_lat, row.centroid_lon) for row in rows}
        # Files of 2020 name kelurahan by their codes from before the split into 15 kecamatan.
        for old, today in kelurahan_codes_2020().items():
            if today in centroids:
                kelurahan.setdefault(normalise(old), today)
                kelurahan.setdefault(old.replace(".", ""), today)
        regions = frozenset(conn.execute(select(x.c.code)).scalars())
        return cls(facilities, entry_points, kelurahan, centroids, regions, now)


class Problems:
    """Reasons per row position, collected column by column."""

    def __init__(self) -> None:
        self.by_row: dict[int, list[Message]] = {}

    def add(self, mask: pd.Series, key: str, values: pd.Series | None = None, **params) -> None:
        for position in mask[mask].index:
            extra = {"value": values[position]} if values is not None else {}
            self.by_row.setdefault(int(position), []).append(Message(key, {**params, **extra}))


def _lookup(values: pd.Series, table: dict, key=normalise) -> pd.Series:
    """Map each distinct value once: vocabularies and registries have few distinct values."""
    codes, distinct = pd.factorize(values)
    # Code -1 (a missing value) takes the last entry: None.
    mapped = np.array([table.get(key(v)) if v != "" else None for v in distinct] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def parse_moments(text: pd.Series) -> pd.Series:
    """WIB wall-clock text (dd/mm/yyyy or dd-mm-yyyy or yyyy-mm-dd, optional HH:MM[:SS] or HH.MM)
    as naive datetimes; NaT where it is not a real date and time.

    One pass of Arrow's (RE2) regular expression over the column, then pandas assembles the
    moments from their parts: several times faster than strptime, which a million rows feel.
    """
    parts = pc.extract_regex(pa.array(text, type=pa.string(), from_pandas=True), _DATE_TIME.pattern)
    hour, minute, second = (_part(parts, name, default="0") for name in ("H", "M", "S"))
    moments = pd.to_datetime(pd.DataFrame({
        "year": _part(parts, "y", "y2"), "month": _part(parts, "m", "m2"), "day": _part(parts, "d", "d2"),
        "hour": hour, "minute": minute, "second": second,
    }), errors="coerce")
    # pandas would carry 25:00 over into the next day; a clock never shows it.
    moments[(hour > 23) | (minute > 59) | (second > 59)] = pd.NaT
    return pd.Series(moments.to_numpy(dtype="datetime64[us]"), index=text.index)


def _part(parts: pa.StructArray, name: str, alternative: str | None = None, default: str | None = None) -> np.ndarray:
    """One named group of `_DATE_TIME` as numbers (NaN where the text did not match): the
    alternative group where this one is empty, else the default."""
    values = pc.struct_field(parts, name)
    for fallback in filter(None, (alternative, default)):
        other = pc.struct_field(parts, fallback) if fallback == alternative else fallback
        values = pc.if_else(pc.equal(values, ""), other, values)
    return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)


def parse_count(text: pd.Series) -> pd.Series:
    """Whole numbers as facilities write them: 1234, 1.234 (Indonesian thousands), 12,0 or 12.00."""
    cleaned = text.str.replace(" ", "", regex=False)
    thousands = cleaned.str.fullmatch(_THOUSANDS.pattern)
    cleaned = cleaned.where(~thousands, cleaned.str.replace(".", "", regex=False))
    whole = cleaned.str.fullmatch(_WHOLE_DECIMAL.pattern)
    cleaned = cleaned.where(~whole, cleaned.str.replace(r"[.,]0+$", "", regex=True))
    return pd.to_numeric(cleaned.where(cleaned.str.fullmatch(r"\d{1,9}")), errors="coerce").astype("Int64")


def validate(chunk: Chunk, source: Source, labels: dict[str, str], ctx: Context) -> tuple[pd.DataFrame, Problems]:
    """Typed values of every field (index = chunk positions), and the problems found."""
    text = chunk.fields
    problems = Problems()
    problems.add(text["_spill"], "ingest.reject.extra_fields")
    out = pd.DataFrame(index=text.index)
    for f in source.fields:
        label = labels.get(f.name, f.headers[0])
        values = text[f.name] if f.name in text else pd.Series("", index=text.index)
        blank = values == ""
        if f.required:
            problems.add(blank, "ingest.reject.required", field=label)
        present = ~blank
        if f.kind == "nik":
            cleaned = values.str.replace(r"[\s']", "", regex=True)
            problems.add(present & ~cleaned.str.fullmatch(r"\d{16}"), "ingest.reject.bad_nik", field=label)
            out[f.name] = cleaned
        elif f.kind == "text":
            if f.max_length:
                problems.add(values.str.len() > f.max_length, "ingest.reject.too_long", field=label,
                             max=f.max_length)
            out[f.name] = values.where(present, None)
        elif f.kind == "vocabulary":
            mapped = _lookup(values, f.vocabulary)
            problems.add(present & mapped.isna(), "ingest.reject.unknown_value", values, field=label)
            out[f.name] = mapped
        elif f.kind in ("facility", "entry_point", "kelurahan", "region"):
            table = {"facility": ctx.facilities, "entry_point": ctx.entry_points, "kelurahan": ctx.kelurahan,
                     "region": {normalise(c): c for c in ctx.regions}}[f.kind]
            mapped = _lookup(values, table)
            problems.add(present & mapped.isna(), f"ingest.reject.unknown_{f.kind}", values, field=label)
            out[f.name] = mapped
        elif f.kind in ("datetime", "date"):
            moments = parse_moments(values)
            bad = present & moments.isna()
            problems.add(bad, "ingest.reject.bad_date", values, field=label)
            if f.kind == "datetime":
                moments = wib_to_utc(moments)
                early, late = wib_to_utc(EARLIEST), ctx.now + CLOCK_TOLERANCE
            else:
                moments = moments.dt.normalize()
                early, late = EARLIEST, pd.Timestamp(wib_day(ctx.now))
            problems.add(moments < early, "ingest.reject.date_too_early", values, field=label)
            problems.add(moments > late, "ingest.reject.date_in_future", values, field=label)
            out[f.name] = moments
        elif f.kind == "count":
            counts = parse_count(values)
            problems.add(present & counts.isna(), "ingest.reject.bad_count", values, field=label)
            out[f.name] = counts
        elif f.kind == "birth_year":
            years = pd.to_numeric(values.where(values.str.fullmatch(r"\d{4}")), errors="coerce")
            dates = parse_moments(values.where(years.isna() & present, ""))
            years = years.fillna(dates.dt.year).astype("Int64")
            problems.add(present & (years.isna() | (years < 1900) | (years > ctx.now.year)),
                         "ingest.reject.bad_birth_year", values, field=label)
            out[f.name] = years
    _CROSS_CHECKS[source.name](out, labels, ctx, problems)
    return out, problems


def _check_test_results(out: pd.DataFrame, labels: dict[str, str], ctx: Context, problems: Problems) -> None:
    out["purpose"] = out["purpose"].fillna("diagnostic")
    out["reported_at"] = out["reported_at"].fillna(pd.Timestamp(ctx.now))
    problems.add(out["specimen_at"] > out["result_at"], "ingest.reject.result_before_specimen",
                 specimen=labels.get("specimen_at", "specimen_at"), result=labels.get("result_at", "result_at"))
    problems.add(out["result_at"] > out["reported_at"], "ingest.reject.reported_before_result",
                 result=labels.get("result_at", "result_at"), reported=labels.get("reported_at", "reported_at"))


def _check_facility_reports(out: pd.DataFrame, labels: dict[str, str], ctx: Context, problems: Problems) -> None:
    out["submitted_at"] = out["submitted_at"].fillna(pd.Timestamp(ctx.now))
    problems.add(out["positives"] > out["tests_done"], "ingest.reject.positives_exceed_tests",
                 positives=labels.get("positives", "positives"), tests=labels.get("tests_done", "tests_done"))
    problems.add(wib_days(out["submitted_at"]) < out["report_day"], "ingest.reject.submitted_before_day",
                 submitted=labels.get("submitted_at", "submitted_at"), day=labels.get("report_day", "report_day"))


def _check_movements(out: pd.DataFrame, labels: dict[str, str], ctx: Context, problems: Problems) -> None:
    no_document = out["certificate_number"].isna()
    problems.add(out["document_status"].isna() & ~no_document, "ingest.reject.required",
                 field=labels.get("document_status", "document_status"))
    out["document_status"] = out["document_status"].fillna("none")


def _check_outcomes(out: pd.DataFrame, labels: dict[str, str], ctx: Context, problems: Problems) -> None:
    problems.add(out["sample_number"].isna() & (out["nik"] == ""), "ingest.reject.outcome_no_identifier",
                 sample=labels.get("sample_number", "No Sampel"), nik=labels.get("nik", "NIK"))


_DECIMAL = re.compile(r"-?\d{1,3}([.,]\d+)?")
WEEKDAY_NAMES = {
    "senin": 1, "selasa": 2, "rabu": 3, "kamis": 4, "jumat": 5, "jum at": 5, "sabtu": 6, "minggu": 7, "ahad": 7,
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7,
    **{str(d): d for d in range(1, 8)},
}


def parse_decimal(text: pd.Series) -> pd.Series:
    """Degrees as facilities write them: 0,482256 or 0.482256; NaN where it is no number."""
    cleaned = text.str.strip().where(text.str.fullmatch(_DECIMAL.pattern)).str.replace(",", ".", regex=False)
    return pd.to_numeric(cleaned, errors="coerce")


def parse_weekdays(text: str) -> str | None:
    """'Sabtu, Minggu' or '6,7' or '67' -> '67'; '' -> ''; None when a part is no weekday."""
    parts = [p for p in re.split(r"[,;/\s]+|(?<=\d)(?=\d)", normalise(text).replace("dan", " ")) if p]
    days = [WEEKDAY_NAMES.get(p) for p in parts]
    if any(d is None for d in days):
        return None
    return "".join(str(d) for d in sorted(set(days)))


def _check_facilities(out: pd.DataFrame, labels: dict[str, str], ctx: Context, problems: Problems) -> None:
    from casedb.facilities import REGISTRY_CODE, normalise_code

    codes = out["registry_code"].fillna("").map(normalise_code)
    problems.add((codes != "") & ~codes.str.fullmatch(REGISTRY_CODE.pattern), "registry.bad_code")
    out["registry_code"] = codes
    for name in ("lat", "lon"):
        text = out[name].fillna("")
        degrees = parse_decimal(text)
        problems.add((text != "") & degrees.isna(), "ingest.reject.bad_decimal", text, field=labels.get(name, name))
        out[name] = degrees
    text = out["opened_on"].fillna("")
    opened = parse_moments(text).dt.normalize()
    problems.add((text != "") & opened.isna(), "ingest.reject.bad_date", text, field=labels.get("opened_on", "opened_on"))
    problems.add(opened > pd.Timestamp(wib_day(ctx.now)), "ingest.reject.date_in_future", text,
                 field=labels.get("opened_on", "opened_on"))
    out["opened_on"] = [d.date() if not pd.isna(d) else None for d in opened]
    weekdays = out["closed_weekdays"].fillna("").map(parse_weekdays)
    problems.add(weekdays.isna(), "ingest.reject.bad_weekdays", out["closed_weekdays"],
                 field=labels.get("closed_weekdays", "closed_weekdays"))
    out["closed_weekdays"] = weekdays
    out["reports_daily"] = out["reports_daily"].fillna("yes") == "yes"


_CROSS_CHECKS = {
    "test_results": _check_test_results,
    "facility_reports": _check_facility_reports,
    "movements": _check_movements,
    "outcomes": _check_outcomes,
    "facilities": _check_facilities,
}


def as_date(value) -> date:
    return pd.Timestamp(value).date()
