"""Exports: what leaves the dashboard as a file. Every export is built from the query runner's
output (so small-cell suppression has already applied) and offered through the one audited download
helper, `ui.downloads.download`.

- `exports.csv`: UTF-8 CSV, formula-safe (a cell that a spreadsheet would run starts with ').
- `exports.xlsx`: an Excel workbook, same protection, with a data-dictionary sheet.
- `exports.png`: a plotly figure as PNG (kaleido, driving the system Chromium).
- `exports.pdf`: a simple A4 report of headings, paragraphs, tables and images (fpdf2).
"""


class ExportUnavailable(RuntimeError):
    """An export cannot be made on this machine; `key` is the catalog key of the reader's message."""

    def __init__(self, key: str, detail: str = ""):
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key
        self.detail = detail
