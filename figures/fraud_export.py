"""The fraud signals' flagged items as people read them: on the page in the reader's language, and
as the XLSX export for investigators in Bahasa Indonesia whatever the reader's language (the
investigators' files are), with a second sheet stating the period, the thresholds and each rule's
definition. Text cells a spreadsheet would run as a formula are neutralised by `exports.xlsx`.
Nothing of a person is in either: no person key, name or NIK, only certificates, tests and places.
"""
from __future__ import annotations

import pandas as pd

from exports.xlsx import to_xlsx_bytes
from figures.fraud import RULES, Signals, Thresholds
from ui.i18n import format_date, format_moment_wib, format_number, format_percent, t

SHEET = "Sinyal kecurangan"
DEFINITIONS_SHEET = "Periode dan definisi"
LANG = "id"
DEFINITION_HEADERS = ("Butir", "Keterangan")
# The readable columns, in order (catalog keys fraud.column.<key>).
READABLE = ("rule", "day", "at", "why", "facility_code", "facility_name", "certificate_number", "test_ref", "test_at",
            "evidence")


def rule_params(th: Thresholds) -> dict:
    return {"days": th.elsewhere_days, "min_tests": th.min_tests, "significance": th.significance,
            "jump": format_number(th.volume_jump, 1), "volume_days": th.volume_days, "volume_min": th.volume_min}


def _text(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


def evidence(row, lang: str | None = None) -> str:
    """What makes the item suspect beyond its facility, certificate and test: the rule's numbers."""
    moment = lambda value: format_moment_wib(None if pd.isna(value) else value.to_pydatetime(), lang)  # noqa: E731
    reason = row.reason
    if reason == "revoked_before_issue":
        return t("fraud.evidence.revoked", lang, at=moment(row.other_at))
    if reason in ("issued_before_result", "negative_over_positive"):
        return t("fraud.evidence.test_result", lang, result=t(f"fraud.result.{row.test_result}", lang),
                 at=moment(row.test_at))
    if reason in ("other_presenter", "unregistered_number"):
        return t("fraud.evidence.presented", lang, persons=format_number(row.persons, lang=lang),
                 presentations=format_number(row.presentations, lang=lang),
                 others=format_number(row.measure, lang=lang), entry_point=_text(row.entry_point),
                 last=moment(row.other_at))
    if reason == "negative_elsewhere":
        return t("fraud.evidence.positive", lang, facility=_text(row.other_facility_code), at=moment(row.other_at))
    if reason == "low_positivity":
        return t("fraud.evidence.positivity", lang, positives=format_number(row.positives, lang=lang),
                 tests=format_number(row.tests, lang=lang), rate=format_percent(row.measure, 2, lang),
                 city=format_percent(row.baseline, 2, lang))
    if reason == "volume_jump":
        return t("fraud.evidence.volume", lang, count=format_number(row.measure, lang=lang),
                 median=format_number(row.baseline, 1, lang))
    if reason == "after_expiry":
        return t("fraud.evidence.expired", lang, until=moment(row.other_at), hours=format_number(row.measure, 1, lang),
                 entry_point=_text(row.entry_point))
    return ""


def readable(items: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Flagged items (figures.fraud COLUMNS) as text columns READABLE, headed in `lang`."""
    rows = []
    for row in items.itertuples(index=False):
        rows.append((
            t(f"fraud.rule.{row.rule}.name", lang),
            "" if pd.isna(row.day) else format_date(row.day, lang),
            format_moment_wib(None if pd.isna(row.at) else row.at.to_pydatetime(), lang),
            t(f"fraud.reason.{row.reason}", lang),
            _text(row.facility_code), _text(row.facility_name), _text(row.certificate_number), _text(row.test_ref),
            format_moment_wib(None if pd.isna(row.test_at) else row.test_at.to_pydatetime(), lang),
            evidence(row, lang)))
    return pd.DataFrame(rows, columns=[t(f"fraud.column.{c}", lang) for c in READABLE])


def definitions(signals: Signals) -> list[tuple[str, str]]:
    params = rule_params(signals.thresholds)
    rows = [("Periode", f"{signals.start.isoformat()} s.d. {signals.end.isoformat()}"),
            ("Hari (WIB)", "Setiap tanggal dan waktu menurut WIB (UTC+7).")]
    rows += [(t(f"fraud.rule.{rule}.name", LANG), t(f"fraud.rule.{rule}.definition", LANG, **params))
             for rule in RULES]
    rows += [("Sinyal", "Petunjuk untuk penyelidikan, bukan bukti kecurangan.")]
    return rows


def to_xlsx(signals: Signals) -> bytes:
    return to_xlsx_bytes(readable(signals.items, LANG), definitions(signals), sheet_title=SHEET,
                         dictionary_title=DEFINITIONS_SHEET, dictionary_headers=DEFINITION_HEADERS)
