"""Checking and typing a chunk of rows, column at a time (pandas), so that a million rows take
seconds. Every problem of a row becomes a `Message` (key + parameters); a row with any problem is
rejected whole and kept with all its reasons.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
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
from casedb.ingest.masking import cell_kind, mask_reason_value
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
    # The key of certificates' check codes (casedb.certificates), set by the pipeline for that source.
    certificate_key: str = ""
    # For contact line lists (set by the pipeline for that source): case ids, and the case ids by
    # the sample number of their confirming result (several facilities may use one number).
    case_ids: frozenset[int] = frozenset()
    case_samples: dict[str, tuple[int, ...]] | None = None

    def with_cases(self, conn: Connection) -> "Context":
        c, tr = schema.cases, schema.test_results
        samples: dict[str, list[int]] = {}
        for ref, case_id in conn.execute(select(tr.c.source_ref, c.c.id).join(tr, tr.c.id == c.c.test_result_id)):
            samples.setdefault(ref, []).append(case_id)
        ids = frozenset(i for many in samples.values() for i in many)
        return replace(self, case_ids=ids, case_samples={k: tuple(v) for k, v in samples.items()})

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

    def __init__(self, shifted: pd.Series | None = None) -> None:
        self.by_row: dict[int, list[Message]] = {}
        self.shifted = shifted

    def add(self, mask: pd.Series, key: str, values: pd.Series | None = None, *, masking: str = "known",
            **params) -> None:
        """Reasons `key` for the rows of `mask`; a quoted value is masked as its cell is in the
        stored row (`masking`: a casedb.ingest.masking cell kind; free text in a shifted row)."""
        for position in mask[mask].index:
            extra = {}
            if values is not None:
                shifted = self.shifted is not None and bool(self.shifted[position])
                extra = {"value": mask_reason_value(values[position], masking, shifted)}
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
    problems = Problems(text["_spill"])
    problems.add(text["_spill"], "ingest.reject.extra_fields")
    out = pd.DataFrame(index=text.index)
    for f in source.fields:
        label = labels.get(f.name, f.headers[0])
        masking = cell_kind(f.kind)
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
            problems.add(present & mapped.isna(), "ingest.reject.unknown_value", values, masking=masking, field=label)
            out[f.name] = mapped
        elif f.kind in ("facility", "entry_point", "kelurahan", "region"):
            table = {"facility": ctx.facilities, "entry_point": ctx.entry_points, "kelurahan": ctx.kelurahan,
                     "region": {normalise(c): c for c in ctx.regions}}[f.kind]
            mapped = _lookup(values, table)
            problems.add(present & mapped.isna(), f"ingest.reject.unknown_{f.kind}", values, masking=masking, field=label)
            out[f.name] = mapped
        elif f.kind in ("datetime", "date", "until", "until_day"):
            moments = parse_moments(values)
            bad = present & moments.isna()
            problems.add(bad, "ingest.reject.bad_date", values, masking=masking, field=label)
            if f.kind in ("datetime", "until"):
                moments = wib_to_utc(moments)
                # An end of validity lies in the future; a century on is a typing error.
                early, late = wib_to_utc(EARLIEST), ctx.now + (CLOCK_TOLERANCE if f.kind == "datetime"
                                                                else timedelta(days=36500))
            else:
                moments = moments.dt.normalize()
                # A day that ends something (a quarantine) may lie ahead, though not years ahead.
                ahead = timedelta(days=366) if f.kind == "until_day" else timedelta(0)
                early, late = EARLIEST, pd.Timestamp(wib_day(ctx.now)) + ahead
            problems.add(moments < early, "ingest.reject.date_too_early", values, masking=masking, field=label)
            problems.add(moments > late, "ingest.reject.date_in_future", values, masking=masking, field=label)
            out[f.name] = moments
        elif f.kind == "count":
            counts = parse_count(values)
            problems.add(present & counts.isna(), "ingest.reject.bad_count", values, masking=masking, field=label)
            out[f.name] = counts
        elif f.kind == "birth_year":
            years = pd.to_numeric(values.where(values.str.fullmatch(r"\d{4}")), errors="coerce")
            dates = parse_moments(values.where(years.isna() & present, ""))
            years = years.fillna(dates.dt.year).astype("Int64")
            problems.add(present & (years.isna() | (years < 1900) | (years > ctx.now.year)),
                         "ingest.reject.bad_birth_year", values, masking=masking, field=label)
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
    # A number sent without a status gets its status from the certificate register when written
    # (casedb.ingest.write, DERIVED_STATUS); a status sent with it is the checkpoint's own check.
    numbers = out["certificate_number"]
    out["certificate_number"] = numbers.str.strip().str.upper().where(numbers.notna(), None)
    no_document = out["certificate_number"].isna()
    out["document_status"] = out["document_status"].where(~no_document | out["document_status"].notna(), "none")
    out["document_status"] = out["document_status"].fillna(DERIVED_STATUS)


# Stands for "ask the register" in a movement's staged status until the writer replaces it.
DERIVED_STATUS = "derive"
# Validity of a certificate whose file leaves it empty (the demo city's too: casedb.demo.travel).
CERTIFICATE_VALIDITY = {"pcr": timedelta(days=7), "antigen": timedelta(days=3), "antibody": timedelta(days=3)}


def _check_certificates(out: pd.DataFrame, labels: dict[str, str], ctx: Context, problems: Problems) -> None:
    from casedb.certificates import NUMBER, check_codes, normalise_code

    label = labels.get
    number = out["number"].str.upper()
    problems.add(number.notna() & ~number.fillna("").str.fullmatch(NUMBER.pattern), "ingest.reject.bad_certificate_number",
                 field=label("number", "number"))
    out["number"] = number
    default_until = out["issued_at"] + pd.to_timedelta(out["test_type"].map(CERTIFICATE_VALIDITY))
    out["valid_until"] = out["valid_until"].fillna(default_until)
    problems.add(out["valid_until"] <= out["issued_at"], "ingest.reject.valid_until_before_issue",
                 until=label("valid_until", "valid_until"), issued=label("issued_at", "issued_at"))
    problems.add(out["revoked_at"] < out["issued_at"], "ingest.reject.revoked_before_issue",
                 revoked=label("revoked_at", "revoked_at"), issued=label("issued_at", "issued_at"))
    made = pd.Series(check_codes(number.fillna(""), ctx.certificate_key), index=out.index, dtype=object)
    given = out["check_code"].fillna("").map(normalise_code)
    problems.add((given != "") & (given != made), "ingest.reject.check_code_differs", out["check_code"],
                 field=label("check_code", "check_code"))
    out["check_code"] = made


def _check_outcomes(out: pd.DataFrame, labels: dict[str, str], ctx: Context, problems: Problems) -> None:
    problems.add(out["sample_number"].isna() & (out["nik"] == ""), "ingest.reject.outcome_no_identifier",
                 sample=labels.get("sample_number", "No Sampel"), nik=labels.get("nik", "NIK"))


def _check_contacts(out: pd.DataFrame, labels: dict[str, str], ctx: Context, problems: Problems) -> None:
    """The index case, by sample number or case id (both: they must agree), and the order of events."""
    label = labels.get
    sample_label, case_label = label("index_sample", "No Sampel Kasus Indeks"), label("index_case", "ID Kasus Indeks")
    samples = ctx.case_samples or {}
    by_sample = out["index_sample"].map(lambda s: samples.get(s, ()) if isinstance(s, str) else None)
    has_sample, has_case = by_sample.notna(), out["index_case"].notna()
    matches = by_sample.map(lambda s: len(s) if isinstance(s, tuple) else 0)
    problems.add(~has_sample & ~has_case, "ingest.reject.contact_no_index", sample=sample_label, case=case_label)
    problems.add(has_sample & (matches == 0), "ingest.reject.contact_unknown_sample", out["index_sample"],
                 field=sample_label)
    problems.add(has_sample & (matches > 1) & ~has_case, "ingest.reject.contact_ambiguous_sample",
                 out["index_sample"], field=sample_label, case=case_label)
    case = out["index_case"].astype("Int64")
    known = case.isin(list(ctx.case_ids)).fillna(False).astype(bool)
    problems.add(has_case & ~known, "ingest.reject.contact_unknown_case", case.astype(str), field=case_label)
    # Where both are given, the case id must be one of the sample number's cases.
    agree = pd.Series([c in s if isinstance(s, tuple) and not pd.isna(c) else True
                       for c, s in zip(case, by_sample)], index=out.index)
    problems.add(has_sample & has_case & known & (matches > 0) & ~agree, "ingest.reject.contact_case_mismatch",
                 sample=sample_label, case=case_label)
    only = by_sample.map(lambda s: s[0] if isinstance(s, tuple) and len(s) == 1 else None)
    out["index_case_id"] = case.astype(object).where(has_case, only)
    problems.add(out["traced_at"] < out["listed_at"], "ingest.reject.contact_traced_before_listed",
                 traced=label("traced_at", "traced_at"), listed=label("listed_at", "listed_at"))
    problems.add(out["test_result"].notna() & out["tested_at"].isna(), "ingest.reject.contact_result_without_test",
                 result=label("test_result", "test_result"), tested=label("tested_at", "tested_at"))
    problems.add(out["quarantine_until"] < wib_days(out["listed_at"]), "ingest.reject.contact_quarantine_before_listed",
                 until=label("quarantine_until", "quarantine_until"), listed=label("listed_at", "listed_at"))


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
    "certificates": _check_certificates,
    "contacts": _check_contacts,
}


def as_date(value) -> date:
    return pd.Timestamp(value).date()
