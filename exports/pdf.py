"""A simple A4 PDF report (fpdf2): a title, then headings, paragraphs, tables and PNG images in order.

Text is set in DejaVu Sans (Debian's `fonts-dejavu-core`, installed by `tests/prerequisites.sh`),
which holds every character the catalogs use; without it the export is refused with
`ExportUnavailable("export.pdf_unavailable")`. Tables are drawn as the text the page shows: format
numbers (and keep "<5"/"x" of suppressed counts) before passing them.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence, Union

import pandas as pd
from fpdf import FPDF

from exports import ExportUnavailable

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVu"


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame  # shown as text, header row first


@dataclass(frozen=True)
class Image:
    png: bytes  # e.g. exports.png.figure_png(fig)


Block = Union[Heading, Paragraph, Table, Image]


def report_pdf(title: str, blocks: Sequence[Block], footer: str = "", header: Sequence[str] = (),
               created: datetime | None = None) -> bytes:
    """The report as PDF bytes: `title` on top of the first page, `footer` (e.g. the data's moment
    and the suppression note) and the page number at the foot of every page. `header`: lines above
    the title (an issuer's letterhead), centred, with a rule under them. `created` (naive UTC): the
    document's creation date, so that the same report made twice gives the same bytes (default now)."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        raise ExportUnavailable("export.pdf_unavailable", f"font missing in {FONT_DIR}")

    class Report(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.cell(0, 8, f"{footer}   {self.page_no()}".strip(), align="R")

    pdf = Report(format="A4")
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_creation_date((created or datetime.now(timezone.utc).replace(tzinfo=None)).replace(tzinfo=timezone.utc))
    pdf.add_page()
    if header:
        for i, line in enumerate(header):
            pdf.set_font(FONT, "B", 13 if i == 0 else 11)
            pdf.multi_cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.r_margin, pdf.get_y() + 2)
        pdf.ln(5)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    for block in blocks:
        pdf.ln(3)
        if isinstance(block, Heading):
            pdf.set_font(FONT, "B", 12)
            pdf.multi_cell(0, 7, block.text, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Paragraph):
            pdf.set_font(FONT, "", 10)
            pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Table):
            pdf.set_font(FONT, "", 8)
            with pdf.table(text_align="LEFT") as table:
                table.row([str(c) for c in block.frame.columns])
                for values in block.frame.itertuples(index=False, name=None):
                    table.row(["" if pd.isna(v) else str(v) for v in values])
        elif isinstance(block, Image):
            pdf.image(io.BytesIO(block.png), w=pdf.epw)
        else:
            raise TypeError(f"not a report block: {block!r}")
    return bytes(pdf.output())
