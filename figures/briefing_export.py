"""A release's files, made from its figures alone (`figures.briefing.release_figures`, or as stored):
the A4 PDF briefing, the 1080x1080 PNG infographic, the CSV data file and the XLSX data pack.

- The CSV is language-neutral (codes and values as the release stores them) and comes first: its
  SHA-256 is the release's data checksum, printed in the PDF and on the infographic (a file cannot
  hold its own hash; the CSV holds every figure, so checking it checks the figures).
- The PDF, the PNG and the XLSX are per language: Bahasa Indonesia at publishing, English when first
  asked for (casedb.releases). Numbers and dates in the language's locale (1.234 and 3 Agu 2026).
- Charts are plotly figures rendered by kaleido with the system's Chromium (`exports.png`), all of
  one language's files through one browser (`exports.png.renderer`).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Sequence

import pandas as pd
import plotly.graph_objects as go

from casedb import settings
from casedb.releases import Change, Release, ReleaseFile
from exports import pdf
from exports.csv import to_csv_bytes
from exports.png import figure_png, renderer
from exports.xlsx import to_xlsx_bytes
from figures.briefing import kind, period_of
from figures.common import SMALL_POSITIVES, TEST_TYPES_SHOWN, POSITIVITY_TYPES
from ui import charts
from ui.i18n import format_date, format_moment_wib, format_number, format_percent, t

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIME = "application/pdf"
PNG_MIME = "image/png"
INFOGRAPHIC_SIZE = 1080
HEADLINE = ("new_cases", "active", "recovered", "died")
DEFINITIONS = ("new_cases", "running_totals", "tests", "positivity", "incidence", "zone", "suppression", "week")


def definitions(lang: str) -> list[str]:
    """The definitions of the briefing's figures (Markdown bold), with the zone limits in force."""
    low, mid, high = (format_number(x, lang=lang) for x in settings.get("ZONE_THRESHOLDS"))
    return [t(f"briefing.def.{key}", lang=lang, low=low, mid=mid, high=high) for key in DEFINITIONS]


def file_name(number: int, part: str, lang: str | None, extension: str) -> str:
    return f"release-{number:04d}-{part}{'-' + lang if lang else ''}.{extension}"


def format_value(measure: str, value: str | None, lang: str) -> str:
    """A release value as the reader of `lang` reads it: 1.234 (id) / 1,234 (en), 5,2% / 5.2%,
    "<5", "x", "<10", "<5 positif", a zone's name, or an en dash for none."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if value == SMALL_POSITIVES:
        return t("tile.small_positives", lang=lang)
    shape = kind(measure)
    if shape == "zone":
        return t(f"zone.{value}", lang=lang)
    try:
        number = float(value)
    except ValueError:
        return value  # "<5", "x", "<10"
    if shape == "percent":
        return format_percent(number, 1, lang)
    if shape == "rate":
        return format_number(number, 1, lang)
    return format_number(int(number), lang=lang)


def data_csv(figures: pd.DataFrame) -> bytes:
    out = figures.copy()
    for column in ("period_start", "period_end"):
        out[column] = out[column].map(lambda d: d.isoformat())
    return to_csv_bytes(out)


def _xlsx_value(measure: str, value: str | None):
    """A number as a number (so that a spreadsheet sums it), "<5"/"x"/"<10" and zones as text."""
    if value is None or pd.isna(value):
        return None
    try:
        number = float(value)
    except ValueError:
        return value
    return number if kind(measure) in ("percent", "rate") else int(number)


def data_xlsx(figures: pd.DataFrame, lang: str) -> bytes:
    out = figures.copy()
    out["value"] = [_xlsx_value(m, v) for m, v in zip(out["measure"], out["value"])]
    dictionary = [(column, t(f"briefing.dictionary.{column}", lang=lang)) for column in out.columns]
    dictionary += [(f"measure = {m}", t(f"briefing.measure.{m}", lang=lang))
                   for m in dict.fromkeys(out["measure"])]
    return to_xlsx_bytes(out, dictionary, sheet_title=t("export.sheet.data", lang=lang),
                         dictionary_title=t("export.sheet.dictionary", lang=lang),
                         dictionary_headers=(t("export.dictionary.column", lang=lang),
                                             t("export.dictionary.description", lang=lang)))


def curve_frame(figures: pd.DataFrame) -> pd.DataFrame:
    """The release's weekly curve as `ui.charts.epidemic_curve` draws it."""
    rows = figures[figures["section"] == "curve"]
    values = [v if v in ("<5", "x") else int(v) for v in rows["value"]]
    return pd.DataFrame({"day": pd.to_datetime(rows["period_start"]).to_numpy(),
                         "new_cases": pd.Series(values, dtype=object).to_numpy(),
                         "average_7d": float("nan"), "incomplete": False})


def _headline_table(figures: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = figures[figures["section"] == "headline"]
    return pd.DataFrame({
        t("briefing.col.figure", lang=lang): [t(f"tile.{m}", lang=lang) for m in rows["measure"]],
        t("briefing.col.value", lang=lang): [format_value(m, v, lang) for m, v in zip(rows["measure"], rows["value"])],
        t("briefing.col.period", lang=lang): [_period(s, e, lang) for s, e in zip(rows["period_start"], rows["period_end"])],
    })


def _period(start: date, end: date, lang: str) -> str:
    if start == end:
        return t("briefing.as_of", lang=lang, date=format_date(end, lang))
    return f"{format_date(start, lang)} – {format_date(end, lang)}"


def kecamatan_table(figures: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = figures[figures["section"] == "kecamatan"]
    wide = rows.pivot(index=["item", "label"], columns="measure", values="value").reset_index()
    return pd.DataFrame({
        t("table.kecamatan", lang=lang): wide["label"],
        t("briefing.col.new_cases_week", lang=lang): [format_value("new_cases", v, lang) for v in wide["new_cases"]],
        t("table.incidence", lang=lang): [format_value("incidence", v, lang) for v in wide["incidence"]],
        t("table.zone", lang=lang): [format_value("zone", v, lang) for v in wide["zone"]],
    })


def changes_table(changes: Sequence[Change], names: dict[tuple[str, str], str], lang: str) -> pd.DataFrame:
    def figure(change: Change) -> str:
        name = t(f"briefing.measure.{change.measure}", lang=lang)
        where = names.get((change.section, change.item))
        if change.section == "curve":
            where = t("briefing.week_of", lang=lang, date=format_date(date.fromisoformat(change.item), lang))
        return f"{name} ({where})" if where else name

    return pd.DataFrame({
        t("briefing.col.figure", lang=lang): [figure(c) for c in changes],
        t("briefing.col.old", lang=lang): [format_value(c.measure, c.old_value, lang) for c in changes],
        t("briefing.col.new", lang=lang): [format_value(c.measure, c.new_value, lang) for c in changes],
        t("briefing.col.why", lang=lang): [c.reason_id if lang == "id" else c.reason_en for c in changes],
    })


def labels(figures: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(section, item) -> its label (a kecamatan's name), for naming a changed figure."""
    return {(s, i): lab for s, i, lab in zip(figures["section"], figures["item"], figures["label"]) if lab}


def briefing_pdf(number: int, published_at: datetime, figures: pd.DataFrame, changes: Sequence[Change],
                 corrects: int | None, data_sha256: str, curve_png: bytes, lang: str) -> bytes:
    start, end = period_of(figures)
    blocks: list[pdf.Block] = [
        pdf.Paragraph(t("briefing.pdf.period", lang=lang, start=format_date(start, lang), end=format_date(end, lang),
                        published=format_moment_wib(published_at, lang))),
    ]
    if corrects is not None:
        blocks += [pdf.Heading(t("briefing.correction_of", lang=lang, number=corrects)),
                   pdf.Table(changes_table(changes, labels(figures), lang))]
    blocks += [
        pdf.Heading(t("briefing.pdf.figures", lang=lang)),
        pdf.Table(_headline_table(figures, lang)),
        pdf.Heading(t("briefing.pdf.curve", lang=lang)),
        pdf.Image(curve_png),
        pdf.Heading(t("briefing.pdf.kecamatan", lang=lang, start=format_date(start, lang), end=format_date(end, lang))),
        pdf.Table(kecamatan_table(figures, lang)),
        pdf.Heading(t("briefing.definitions", lang=lang)),
        *[pdf.Paragraph(text.replace("**", "")) for text in definitions(lang)],
        pdf.Paragraph(t("briefing.incomplete_caveat", lang=lang)),
        pdf.Heading(t("briefing.pdf.checksum_title", lang=lang)),
        pdf.Paragraph(t("briefing.pdf.checksum", lang=lang, file=file_name(number, "data", None, "csv"),
                        sha256=data_sha256)),
    ]
    return pdf.report_pdf(t("briefing.pdf.title", lang=lang, number=number), blocks,
                          footer=t("briefing.pdf.footer", lang=lang, number=number, sha=data_sha256[:16]),
                          header=(t("briefing.city", lang=lang), t("briefing.office", lang=lang)),
                          created=published_at)


def curve_chart(figures: pd.DataFrame, lang: str) -> go.Figure:
    figure = charts.epidemic_curve(curve_frame(figures), 0, lang=lang, per="week")
    # The page's margins are tight (Streamlit pads the chart); a file needs room for its tick labels.
    figure.update_layout(paper_bgcolor="white", plot_bgcolor="white", margin=dict(l=70, r=20, t=40, b=80),
                         yaxis_tickformat=",d")  # thousands in the locale: 3.500 (id), 3,500 (en)
    return figure


def infographic(number: int, published_at: datetime, figures: pd.DataFrame, data_sha256: str,
                lang: str) -> go.Figure:
    """The social-media square: letterhead, the week, the headline figures in large type, tests and
    positivity by type, the last weeks' curve, the release number and the data checksum."""
    start, end = period_of(figures)
    values = dict(zip(figures.loc[figures["section"] == "headline", "measure"],
                      figures.loc[figures["section"] == "headline", "value"]))
    curve = curve_frame(figures).tail(12)
    shown = curve[~curve["new_cases"].map(lambda v: isinstance(v, str))]
    hidden = curve[curve["new_cases"].map(lambda v: isinstance(v, str))]
    figure = go.Figure()
    figure.add_bar(x=shown["day"], y=shown["new_cases"], marker_color=charts.CASE_COLOUR, showlegend=False)
    if len(hidden):
        figure.add_scatter(x=hidden["day"], y=[0] * len(hidden), mode="markers+text", text=list(hidden["new_cases"]),
                           textposition="top center", marker=dict(color=charts.SUPPRESSED_COLOUR, size=10),
                           showlegend=False)
    notes = []
    top = 0.97

    def text(y: float, words: str, size: int, colour: str = "#1f2d3d", x: float = 0.5, bold: bool = False,
             anchor: str = "center") -> None:
        notes.append(dict(x=x, y=y, xref="paper", yref="paper", showarrow=False, xanchor=anchor,
                          text=f"<b>{words}</b>" if bold else words, font=dict(size=size, color=colour)))

    text(top, t("briefing.city", lang=lang), 30, "white", bold=True)
    text(top - 0.045, t("briefing.office", lang=lang), 22, "white")
    text(0.85, t("briefing.infographic.title", lang=lang), 34, bold=True)
    text(0.80, f"{format_date(start, lang)} – {format_date(end, lang)}", 24)
    for i, measure in enumerate(HEADLINE):
        x = 0.125 + 0.25 * i
        text(0.70, format_value(measure, values.get(measure), lang), 52, charts.CASE_COLOUR if i == 0 else "#1f2d3d",
             x=x, bold=True)
        text(0.64, t(f"briefing.infographic.{measure}", lang=lang), 18, x=x)
    small = [(f"tests_{tt}", values.get(f"tests_{tt}")) for tt in TEST_TYPES_SHOWN]
    small += [(f"positivity_{tt}", values.get(f"positivity_{tt}")) for tt in POSITIVITY_TYPES]
    for i, (measure, value) in enumerate(small):
        x = 0.1 + 0.2 * i
        text(0.56, format_value(measure, value, lang), 28, x=x, bold=True)
        text(0.52, t(f"briefing.infographic.{measure}", lang=lang), 15, x=x)
    text(0.455, t("briefing.infographic.curve", lang=lang), 20, bold=True)
    text(0.045, t("briefing.infographic.footer", lang=lang, number=number,
                  published=format_moment_wib(published_at, lang)), 16, x=0.02, anchor="left")
    text(0.012, t("briefing.infographic.checksum", lang=lang, sha=data_sha256[:16]), 14, "#555", x=0.02, anchor="left")
    text(0.012, t("briefing.infographic.suppressed", lang=lang), 14, "#555", x=0.98, anchor="right")
    figure.update_layout(
        width=INFOGRAPHIC_SIZE, height=INFOGRAPHIC_SIZE, paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=60, r=40, t=0, b=0), annotations=notes, bargap=0.15,
        shapes=[dict(type="rect", xref="paper", yref="paper", x0=-0.1, x1=1.1, y0=0.9, y1=1.0,
                     fillcolor="#1f4e79", line_width=0, layer="below")],
        xaxis=dict(domain=[0, 1], tickmode="array", tickvals=list(curve["day"]),
                   ticktext=[format_date(d, lang) for d in curve["day"]], tickangle=-45, tickfont=dict(size=12)),
        yaxis=dict(domain=[0.16, 0.43], rangemode="tozero", gridcolor="#ddd", tickfont=dict(size=12)),
        separators=",." if lang == "id" else ".,",
    )
    return figure


def language_files(number: int, published_at: datetime, figures: pd.DataFrame, changes: Sequence[Change],
                   corrects: int | None, data_sha256: str, lang: str) -> list[ReleaseFile]:
    """The PDF, the infographic and the XLSX data pack of a release in `lang` (one browser for both
    charts). ExportUnavailable when kaleido, Chromium or the PDF font is missing."""
    with renderer():
        curve_png = figure_png(curve_chart(figures, lang), width=1100, height=450, scale=1.5)
        square = figure_png(infographic(number, published_at, figures, data_sha256, lang),
                            width=INFOGRAPHIC_SIZE, height=INFOGRAPHIC_SIZE, scale=1)
    return [
        ReleaseFile(file_name(number, "briefing", lang, "pdf"), "pdf", lang, PDF_MIME,
                    briefing_pdf(number, published_at, figures, changes, corrects, data_sha256, curve_png, lang)),
        ReleaseFile(file_name(number, "infographic", lang, "png"), "png", lang, PNG_MIME, square),
        ReleaseFile(file_name(number, "data", lang, "xlsx"), "xlsx", lang, XLSX_MIME, data_xlsx(figures, lang)),
    ]


def make_files(number: int, published_at: datetime, figures: pd.DataFrame, changes: Sequence[Change],
               corrected: Release | None) -> list[ReleaseFile]:
    """Every file made at publishing (casedb.releases.MakeFiles): the CSV data file first (its
    SHA-256 is the release's data checksum), then the Bahasa Indonesia files."""
    data = ReleaseFile(file_name(number, "data", None, "csv"), "csv", None, CSV_MIME, data_csv(figures))
    return [data, *language_files(number, published_at, figures, changes,
                                  corrected.number if corrected else None, data.sha256, "id")]


def english_files(release: Release, figures: pd.DataFrame, changes: Sequence[Change]) -> list[ReleaseFile]:
    """The English files of a published release, from its stored figures and change log."""
    return language_files(release.number, release.published_at, figures, changes, release.corrects_number,
                          release.data_sha256, "en")
