"""Certificate verification at a checkpoint: what the officer typed or photographed, what the
register says about it (named query certificate_verify), and the status panel. Every verification
is audited here, so that no page can forget it; the audit row names the number, the status and how
it was read, never the check code. An account may verify at most VERIFY_MAX_PER_MINUTE certificates
a minute, counted in the audit log (named query certificate_verify_attempts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

import queries
from casedb import certificates as register
from casedb import audit, settings
from ui import auth
from ui.i18n import format_moment_wib, t

NUMBER = register.NUMBER
CHECK_CODE = re.compile(r"[A-Z0-9]{4,12}")
# Every status the query gives (it says in which order it checks them), good news first.
STATUSES = ("valid", "expired", "revoked", "issuer_unauthorized", "no_test_result", "result_mismatch", "not_found",
            "wrong_code")
_PANEL = {"valid": (st.success, ":material/verified:"), "wrong_code": (st.warning, ":material/password:")}
_DETAILS = ("facility_name", "test_type", "certified_result", "issued_at", "expires_at", "tested_at", "holder_sex",
            "holder_birth_year")


class RateLimited(Exception):
    """The account made VERIFY_MAX_PER_MINUTE verifications in the last minute."""

    def __init__(self, limit: int):
        super().__init__(f"at most {limit} verifications a minute")
        self.limit = limit


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
    tested_at: datetime | None = None
    holder_sex: str | None = None
    holder_birth_year: int | None = None


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


def read_photo(image: bytes) -> tuple[str, str] | str:
    """(number, check code) from a photo of a certificate's QR code, or the catalog key of why not."""
    found = register.decode_qr(image)
    if found is None:
        return "certificate_check.unreadable_photo"
    parsed = register.parse_qr_text(found)
    if parsed is None or input_problem(*parsed):
        return "certificate_check.not_certificate_qr"
    return parsed


def _username() -> str | None:
    return (st.session_state.get(auth.USER_KEY) or {}).get("username")


def check_rate(role: str) -> None:
    """Raise RateLimited (and audit the refusal) when the account is at its limit for the minute:
    the last minute by the clock audit rows are written with, whatever moment is being checked."""
    limit = settings.get("VERIFY_MAX_PER_MINUTE")
    made = queries.run("certificate_verify_attempts", role, username=_username() or "",
                       since=audit.now_utc() - timedelta(minutes=1)).iloc[0]["attempts"]
    if made >= limit:
        auth.record("certificate_verify", "refused", {"status": "rate_limited", "limit": limit})
        raise RateLimited(limit)


def verify(role: str, number: str, check_code: str, at: datetime, via: str = "typed") -> Verification:
    """The register's answer for a number and check code at moment `at` (naive UTC), audited.
    Call only with input that `input_problem` passed. Raises RateLimited, DatabaseUnavailable."""
    check_rate(role)
    number = normalise(number)
    row = queries.run("certificate_verify", role, number=number, check_code=register.normalise_code(check_code),
                      at=at).iloc[0]
    found = {name: (None if pd.isna(row[name]) else row[name]) for name in _DETAILS}
    for name in ("issued_at", "expires_at", "tested_at"):
        if found[name] is not None:
            found[name] = pd.Timestamp(found[name]).to_pydatetime()
    if found["holder_birth_year"] is not None:
        found["holder_birth_year"] = int(found["holder_birth_year"])
    result = Verification(number, row["status"], at, **found)
    # audit.OUTCOMES has no room for the status itself: a certificate that passes is a success.
    auth.record("certificate_verify", "success" if result.status == "valid" else "failure",
                {"number": number, "status": result.status, "via": via})
    return result


def record_unreadable(problem: str) -> None:
    """A photo that gave no certificate is an attempt too (it counts towards the limit)."""
    auth.record("certificate_verify", "failure", {"status": problem.rsplit(".", 1)[-1], "via": "qr"})


def status_panel(result: Verification) -> None:
    """The status in one big word and what it means, then what the register holds (a small table)."""
    panel, icon = _PANEL.get(result.status, (st.error, ":material/gpp_bad:"))
    panel(f"### {t(f'certificate_check.status.{result.status}')}\n\n"
          f"{t(f'certificate_check.meaning.{result.status}')}", icon=icon)
    rows = [(t("certificate_check.number"), result.number),
            (t("certificate_check.checked_at"), format_moment_wib(result.checked_at))]
    if result.facility_name is not None:
        sex = t(f"certificate_check.sex.{result.holder_sex}") if result.holder_sex in ("M", "F") \
            else t("certificate_check.sex.unknown")
        year = str(result.holder_birth_year) if result.holder_birth_year else t("certificate_check.year_unknown")
        rows += [(t("certificate_check.facility"), result.facility_name),
                 (t("certificate_check.test_type"), t(f"certificate_check.test_type.{result.test_type}")),
                 (t("certificate_check.certified_result"),
                  t(f"certificate_check.result.{result.certified_result}")),
                 (t("certificate_check.issued_at"), format_moment_wib(result.issued_at)),
                 (t("certificate_check.expires_at"), format_moment_wib(result.expires_at))]
        if result.tested_at is not None:
            rows.append((t("certificate_check.tested_at"), format_moment_wib(result.tested_at)))
        rows.append((t("certificate_check.holder"), t("certificate_check.holder_value", sex=sex, year=year)))
    st.table(pd.DataFrame(rows, columns=["field", "value"]), hide_index=True, hide_header=True)


def legend() -> None:
    """What each status means, for the officer who has not checked anything yet."""
    st.subheader(t("certificate_check.legend"))
    st.table(pd.DataFrame({t("certificate_check.legend.status"): [t(f"certificate_check.status.{s}") for s in STATUSES],
                           t("certificate_check.legend.meaning"): [t(f"certificate_check.meaning.{s}")
                                                                   for s in STATUSES]}),
             hide_index=True)


def qr_maker(role: str) -> None:
    """For the health office and operators: a certificate's QR code (number and check code) as a
    PNG to print, made from the register's entry; the download is audited as an export."""
    st.subheader(t("certificate_qr.title"))
    st.caption(t("certificate_qr.intro"))
    with st.form("certificate_qr_form"):
        number = st.text_input(t("certificate_qr.number"), max_chars=40, key="certificate_qr_number")
        made = st.form_submit_button(t("certificate_qr.make"), icon=":material/qr_code_2:")
    if not made:
        return
    number = normalise(number)
    if not NUMBER.fullmatch(number):
        st.error(t("certificate_check.bad_number"), icon=":material/edit_off:")
        return
    found = queries.run("certificate_qr", role, number=number)
    if found.empty:
        st.error(t("certificate_qr.not_found"), icon=":material/search_off:")
        return
    code = found.iloc[0]["check_code"]
    png = register.qr_png(number, code)
    st.image(png, caption=t("certificate_qr.caption", number=number, code=code), width=240)
    st.download_button(t("certificate_qr.download"), data=png, mime="image/png", file_name=f"qr-{_file_part(number)}.png",
                       icon=":material/download:", key="certificate_qr_download", on_click=auth.record,
                       args=("export", "success", {"what": "certificate_qr", "number": number}))


def _file_part(number: str) -> str:
    return re.sub(r"[^A-Z0-9-]", "-", number)
