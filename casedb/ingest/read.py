"""Reading files as facilities send them, in chunks: CSV (UTF-8 with or without BOM, or
Windows-1252; comma, semicolon or tab separated) and XLSX here, FHIR R4 Bundles in
casedb.ingest.fhir; casedb.ingest.formats picks the reader for a file.

A reader yields `Chunk`s: the source's fields as stripped text, keyed by field name, with each
row's number as the sender sees it (the header is row 1, so data rows start at 2, counting blank
rows so that numbers match the spreadsheet), and the row as it arrived for the rejected-rows table.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import pandas as pd
from pandas.errors import ParserError

from casedb.ingest.errors import IngestRefused, Message
from casedb.ingest.sources import Source, normalise

CHUNK_ROWS = 10_000
_SCAN_BYTES = 1 << 20
# Extra unnamed columns read past the header, so that a row with a few stray separators is
# rejected on its own instead of stopping the whole file.
_SPARE_COLUMNS = 8
_SEPARATORS = (";", ",", "\t")


@dataclass
class Chunk:
    fields: pd.DataFrame
    row_numbers: pd.Series
    raw: Callable[[list[int]], list[str]]
    """Positions in this chunk -> each row as it arrived (identifying cells masked)."""


@dataclass
class FileInfo:
    kind: str  # csv, xlsx, json
    encoding: str
    sha256: str
    size: int


@dataclass
class Reader:
    labels: dict[str, str]
    """Field name -> the header the file used for it, for messages."""
    chunks: Iterator[Chunk]
    notes: list[Message] = field(default_factory=list)
    position: Callable[[], tuple[int, int]] = lambda: (0, 0)
    """(done, total) in bytes or rows, for progress bars."""


def open_binary(file: str | Path | bytes | BinaryIO) -> BinaryIO:
    if isinstance(file, (str, Path)):
        return open(file, "rb")
    if isinstance(file, (bytes, bytearray)):
        return io.BytesIO(file)
    return file


def inspect(stream: BinaryIO) -> FileInfo:
    """One streaming pass over the file: its kind, its text encoding and its SHA-256."""
    stream.seek(0)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    head = b""
    size = 0
    while block := stream.read(_SCAN_BYTES):
        digest.update(block)
        size += len(block)
        if len(head) < 64:
            head += block[:64]
        if utf8:
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        kind = "xlsx"
    elif head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith((b"{", b"[")):
        kind = "json"
    else:
        kind = "csv"
    if not head.lstrip(codecs.BOM_UTF8 + b" \t\r\n"):
        raise IngestRefused("ingest.file.empty")
    encoding = ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8") if utf8 else "cp1252"
    return FileInfo(kind, encoding, digest.hexdigest(), size)


@dataclass
class HeaderMap:
    positions: dict[str, int]
    labels: dict[str, str]
    masked: dict[int, str]
    """Column position -> how its cells are masked in stored rows: "nik" or "personal"."""
    notes: list[Message]


def map_headers(source: Source, headers: list[str]) -> HeaderMap:
    aliases = {normalise(h): f.name for f in source.fields for h in (f.name, *f.headers)}
    personal = {normalise(h) for h in source.personal_headers}
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    masked: dict[int, str] = {}
    ignored: list[str] = []
    for i, header in enumerate(headers):
        key = normalise(header)
        if not key:
            continue
        name = aliases.get(key)
        if name is None:
            ignored.append(header.strip())
            if key in personal:
                masked[i] = "personal"
            continue
        if name in positions:
            raise IngestRefused("ingest.file.duplicate_column", column=header.strip(), other=labels[name])
        positions[name] = i
        labels[name] = header.strip().lstrip("\ufeff")
        if source.field(name).kind == "nik":
            masked[i] = "nik"
    missing = [f.headers[0] for f in source.fields if f.required and f.name not in positions]
    if missing:
        raise IngestRefused("ingest.file.missing_columns", columns=", ".join(missing),
                            expected=", ".join(f.headers[0] for f in source.fields))
    notes = [Message("ingest.note.ignored_columns", {"columns": ", ".join(ignored)})] if ignored else []
    return HeaderMap(positions, labels, masked, notes)


def mask_cell(value: str, how: str | None) -> str:
    """NIK keeps its first 6 digits (the place of registration), other personal cells nothing."""
    if not how or not value:
        return value
    if how == "nik":
        return value[:6] + "*" * max(len(value) - 6, 0)
    return "***"


def csv_line(cells: list[str], separator: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="").writerow(cells)
    return out.getvalue()


def _fields(frame: pd.DataFrame, header_map: HeaderMap) -> pd.DataFrame:
    return pd.DataFrame({name: frame.iloc[:, i].str.strip() for name, i in header_map.positions.items()})


def _nonblank(frame: pd.DataFrame) -> pd.Series:
    return (frame != "").any(axis=1)


def read_csv(stream: BinaryIO, info: FileInfo, source: Source, chunk_rows: int = CHUNK_ROWS) -> Reader:
    text = io.TextIOWrapper(stream, encoding=info.encoding, newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError as e:
        raise IngestRefused("ingest.file.encoding", detail=str(e)) from e
    separator = max(_SEPARATORS, key=first.count)
    headers = next(csv.reader([first], delimiter=separator))
    header_map = map_headers(source, headers)
    names = [f"c{i}" for i in range(len(headers) + _SPARE_COLUMNS)]

    def raw_rows(frame: pd.DataFrame) -> Callable[[list[int]], list[str]]:
        def raw(positions: list[int]) -> list[str]:
            lines = []
            for row in frame.iloc[positions].to_numpy(dtype=object).tolist():
                cells = [mask_cell(v, header_map.masked.get(i)) for i, v in enumerate(row)]
                while len(cells) > len(headers) and cells[-1] == "":
                    cells.pop()
                lines.append(csv_line(cells, separator))
            return lines
        return raw

    def chunks() -> Iterator[Chunk]:
        reader = pd.read_csv(
            text, sep=separator, header=None, names=names, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, chunksize=chunk_rows, engine="c", index_col=False,
        )
        try:
            for frame in reader:
                spare = frame.columns[len(headers):]
                frame[spare] = frame[spare].fillna("")
                spill = (frame[spare] != "").any(axis=1)
                rows = frame.index.to_series() + 2
                keep = _nonblank(frame)
                if not keep.all():
                    frame, spill, rows = frame[keep], spill[keep], rows[keep]
                frame = frame.reset_index(drop=True)
                fields = _fields(frame, header_map)
                fields["_spill"] = spill.to_numpy()
                yield Chunk(fields, rows.reset_index(drop=True), raw_rows(frame))
        except ParserError as e:
            raise IngestRefused("ingest.file.malformed_csv", detail=str(e).strip()) from e
        except UnicodeDecodeError as e:
            raise IngestRefused("ingest.file.encoding", detail=str(e)) from e

    return Reader(header_map.labels, chunks(), header_map.notes, lambda: (stream.tell(), info.size))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S") if value.time() != datetime.min.time() else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(stream: BinaryIO, info: FileInfo, source: Source, chunk_rows: int = CHUNK_ROWS) -> Reader:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
        raise IngestRefused("ingest.file.bad_xlsx", detail=str(e)) from e
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = [_cell_text(v) for v in next(rows, ())]
    if not any(h.strip() for h in headers):
        raise IngestRefused("ingest.file.empty")
    header_map = map_headers(source, headers)
    width = len(headers)
    done = [1]

    def chunks() -> Iterator[Chunk]:
        batch: list[list[str]] = []
        numbers: list[int] = []
        for number, row in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in row[:width]]
            cells += [""] * (width - len(cells))
            spill = any(v is not None and str(v).strip() for v in row[width:])
            done[0] = number
            if not any(c.strip() for c in cells) and not spill:
                continue
            batch.append(cells + [spill])
            numbers.append(number)
            if len(batch) == chunk_rows:
                yield _xlsx_chunk(batch, numbers, header_map, width)
                batch, numbers = [], []
        if batch:
            yield _xlsx_chunk(batch, numbers, header_map, width)
        workbook.close()

    return Reader(header_map.labels, chunks(), header_map.notes, lambda: (done[0], sheet.max_row or 0))


def _xlsx_chunk(batch: list[list], numbers: list[int], header_map: HeaderMap, width: int) -> Chunk:
    frame = pd.DataFrame([row[:width] for row in batch], dtype=str)
    fields = _fields(frame, header_map)
    fields["_spill"] = [row[width] for row in batch]

    def raw(positions: list[int]) -> list[str]:
        return [csv_line([mask_cell(v, header_map.masked.get(i)) for i, v in enumerate(batch[p][:width])], ",")
                for p in positions]

    return Chunk(fields, pd.Series(numbers), raw)
