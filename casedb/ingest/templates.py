"""Each source's template (a CSV with the expected headers and one example row) and its data
dictionary in Bahasa Indonesia and English, rendered from casedb.ingest.sources.

Templates use semicolons, which Excel set to an Indonesian locale reads as columns.
"""
from __future__ import annotations

from pathlib import Path

from casedb.ingest.read import csv_line
from casedb.ingest.sources import SOURCES, TEMPLATE_VERSION, Source

_HEADINGS = {
    "id": ("Templat", "versi", "Kolom", "Wajib", "Contoh", "Keterangan", "Judul kolom lain yang diterima", "ya",
           "tidak",
           "Tanggal dan jam ditulis dalam WIB sebagai dd/mm/yyyy HH:MM (atau dd-mm-yyyy); pemisah koma atau titik "
           "koma; UTF-8 atau Windows-1252; juga XLSX. Baris yang sama (nomor yang sama) yang dikirim ulang tidak "
           "menambah data. Kolom lain diabaikan."),
    "en": ("Template", "version", "Column", "Required", "Example", "Description", "Other accepted headers", "yes",
           "no",
           "Dates and times are WIB, written dd/mm/yyyy HH:MM (or dd-mm-yyyy); comma or semicolon separated; UTF-8 "
           "or Windows-1252; XLSX too. A row sent again (same number) adds nothing. Other columns are ignored."),
}


def template_csv(source: Source) -> bytes:
    lines = [csv_line([f.headers[0] for f in source.fields], ";"), csv_line([f.example for f in source.fields], ";")]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def dictionary_markdown(source: Source, lang: str) -> str:
    title, version, column, required, example, description, others, yes, no, general = _HEADINGS[lang]
    lines = [
        f"# {title}: {source.title[lang]} (`{source.name}`), {version} {TEMPLATE_VERSION}",
        "",
        general,
        "",
        f"| {column} | {required} | {example} | {description} | {others} |",
        "|---|---|---|---|---|",
    ]
    for f in source.fields:
        aliases = ", ".join(f.headers[1:])
        lines.append(f"| {f.headers[0]} | {yes if f.required else no} | {f.example} | {f.description[lang]} | {aliases} |")
    return "\n".join(lines) + "\n"


def write_templates(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for source in SOURCES.values():
        path = directory / source.template_name
        path.write_bytes(template_csv(source))
        written.append(path)
        for lang in ("id", "en"):
            path = directory / f"dictionary_{source.name}_v{TEMPLATE_VERSION}.{lang}.md"
            path.write_text(dictionary_markdown(source, lang), encoding="utf-8")
            written.append(path)
    return written
