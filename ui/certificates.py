"""Certificate verification at a checkpoint: what the officer typed, what the register says about
it (named query certificate_verify), and the status panel. Every verification is audited here, so
that no page can forget it; the audit row names the number and the status, never the check code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import streamlit as st

import queries
from ui import auth
from ui.i18n import format_moment_wib, t

# The register writes numbers in capitals, digits and separators (SKB-038-250529-0000001).
NUMBER = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,39}")
CHECK_CODE = re.compile(r"[A-Z0-9]{4,12}")
# Every status the query gives (it says in which order it checks them), good news first.
STATUSES = ("valid", "expired", "revoked", "issuer_unauthorized", "no_test_result", "not_found", "wrong_code")
_PANEL = {"valid": (st.success, ":material/verified:"), "wrong_code": (st.warning, ":material/password:")}


@dataclass(frozen=True)
class Verification:
    number: str
    status: str
    checked_at: datetime  # naive UTC
    facility_name: str | None = None  # the details only when the check code matched
    test_type: str | None = None
    certified_result: str | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None


def normalise(text: str) -> str:
    """As typed on a phone: surrounding spaces dropped, any case."""
    return text.strip().upper()


def input_problem(number: str, check_code: str) -> str | None:
    """The catalog key of what is wrong with the typed number or check code, or None."""
    if not NUMBER.fullmatch(normalise(number)):
        return "certificate_check.bad_number"
    if not CHECK_CODE.fullmatch(normalise(check_code)):
        return "certificate_check.bad_code"
    return None


def verify(role: str, number: str, check_code: str, at: datetime) -> Verification:
    """The register's answer for a typed number and check code at moment `at` (naive UTC), audited.
    Call only with input that `input_problem` passed. Raises DatabaseUnavailable."""
    number = normalise(number)
    row = queries.run("certificate_verify", role, number=number, check_code=normalise(check_code), at=at).iloc[0]
    found = {name: (None if pd.isna(row[name]) else row[name])
             for name in ("facility_name", "test_type", "certified_result", "issued_at", "expires_at")}
    for name in ("issued_at", "expires_at"):
        if found[name] is not None:
            found[name] = pd.Timestamp(found[name]).to_pydatetime()
    result = Verification(number, row["status"], at, **found)
    # audit.OUTCOMES has no room for the status itself: a certificate that passes is a success.
    auth.record("certificate_verify", "success" if result.status == "valid" else "failure",
                {"number": number, "status": result.status})
    return result


def status_panel(result: Verification) -> None:
    """The status in one big word and what it means, then what the register holds (a small table)."""
    panel, icon = _PANEL.get(result.status, (st.error, ":material/gpp_bad:"))
    panel(f"### {t(f'certificate_check.status.{result.status}')}\n\n"
          f"{t(f'certificate_check.meaning.{result.status}')}", icon=icon)
    rows = [(t("certificate_check.number"), result.number),
            (t("certificate_check.checked_at"), format_moment_wib(result.checked_at))]
    if result.facility_name is not None:
        rows += [(t("certificate_check.facility"), result.facility_name),
                 (t("certificate_check.test_type"), t(f"certificate_check.test_type.{result.test_type}")),
                 (t("certificate_check.certified_result"),
                  t(f"certificate_check.result.{result.certified_result}")),
                 (t("certificate_check.issued_at"), format_moment_wib(result.issued_at)),
                 (t("certificate_check.expires_at"), format_moment_wib(result.expires_at))]
    st.table(pd.DataFrame(rows, columns=["field", "value"]), hide_index=True, hide_header=True)


def legend() -> None:
    """What each status means, for the officer who has not checked anything yet."""
    st.subheader(t("certificate_check.legend"))
    st.table(pd.DataFrame({t("certificate_check.legend.status"): [t(f"certificate_check.status.{s}") for s in STATUSES],
                           t("certificate_check.legend.meaning"): [t(f"certificate_check.meaning.{s}")
                                                                   for s in STATUSES]}),
             hide_index=True)
