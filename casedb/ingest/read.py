"""Reading files as facilities send them, in chunks: CSV (UTF-8 with or without BOM, or
Windows-1252; comma, semicolon or tab separated) and XLSX here, FHIR R4 Bundles in
casedb.ingest.fhir; casedb.ingest.formats picks the reader for a file.

A reader yields `Chunk`s: the source's fields as stripped text, keyed by field name, with each
row's number as the sender sees it (counting title rows above the header and blank rows, so that
numbers match the spreadsheet), and the row as it arrived for the rejected-rows table.

Facilities' exports often carry title rows above the header (report name, period, facility, merged
across the table in Excel): the header is the first of the first HEADER_SEARCH_ROWS rows that names
at least HEADER_MIN_KNOWN of the source's fields (or all its required ones), and a note says which row
it was. In XLSX, a number in a date or date-time column is an Excel date serial number (44413.375 is
5 Aug 2021 09:00); a CSV has no cell types, so there a number stays a number (and a bad date).
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import pandas as pd
from pandas.errors import ParserError

from casedb.ingest.errors import IngestRefused, Message
from casedb.ingest.masking import cell_kind, mask_row
from casedb.ingest.sources import Source, normalise

CHUNK_ROWS = 10_000
_SCAN_BYTES = 1 << 20
# Extra unnamed columns read past the header, so that a row with a few stray separators is
# rejected on its own instead of stopping the whole file.
_SPARE_COLUMNS = 8
_SEPARATORS = (";", ",", "\t")
HEADER_SEARCH_ROWS = 10
HEADER_MIN_KNOWN = 3
# Excel's serial numbers of 1 Jan 1900 .. 31 Dec 9999; a birth "year" above 2200 is a serial too.
_SERIAL_RANGE = (1, 2958465)
_BIRTH_SERIAL_FROM = 2200


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
    kinds: list[str] = field(default_factory=list)
    """Per header column, how its cells are masked in a rejected row (casedb.ingest.masking)."""

    def mask(self, cells: list[str], shifted: bool = False) -> list[str]:
        return mask_row(cells, self.kinds, shifted)


def _known_fields(source: Source, cells: list[str]) -> int:
    aliases = {normalise(h): f.name for f in source.fields for h in (f.name, *f.headers)}
    return len({aliases[key] for key in map(normalise, cells) if key in aliases})


def find_header(source: Source, rows: list[list[str]]) -> int:
    """The index among `rows` (the file's first rows) of its header: the first row naming at least
    HEADER_MIN_KNOWN of the source's fields (fewer when the source requires fewer); else the first
    row naming the most, or the first row, so that the refusal lists what is missing."""
    needed = min(HEADER_MIN_KNOWN, sum(f.required for f in source.fields))
    known = [_known_fields(source, row) for row in rows[:HEADER_SEARCH_ROWS]]
    for i, count in enumerate(known):
        if count >= needed:
            return i
    return known.index(max(known)) if known and max(known) > 0 else 0


def _header_note(index: int) -> list[Message]:
    return [Message("ingest.note.header_row", {"row": index + 1, "titles": index})] if index else []


def map_headers(source: Source, headers: list[str]) -> HeaderMap:
    aliases = {normalise(h): f.name for f in source.fields for h in (f.name, *f.headers)}
    personal = {normalise(h) for h in source.personal_headers}
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    masked: dict[int, str] = {}
    kinds: list[str] = []
    ignored: list[str] = []
    for i, header in enumerate(headers):
        key = normalise(header)
        name = aliases.get(key) if key else None
        kinds.append("personal" if key in personal else cell_kind(source.field(name).kind if name else None))
        if not key:
            continue
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
    return HeaderMap(positions, labels, masked, notes, kinds)


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
    lines: list[str] = []
    try:
        while len(lines) < HEADER_SEARCH_ROWS and (line := text.readline()):
            lines.append(line)
    except UnicodeDecodeError as e:
        raise IngestRefused("ingest.file.encoding", detail=str(e)) from e
    separator, at = _csv_header(source, lines)
    headers = next(csv.reader([lines[at]], delimiter=separator))
    header_map = map_headers(source, headers)
    header_map.notes[:0] = _header_note(at)
    names = [f"c{i}" for i in range(len(headers) + _SPARE_COLUMNS)]
    rest = _Prefixed("".join(lines[at + 1:]), text)

    def raw_rows(frame: pd.DataFrame) -> Callable[[list[int]], list[str]]:
        def raw(positions: list[int]) -> list[str]:
            lines = []
            for row in frame.iloc[positions].to_numpy(dtype=object).tolist():
                cells = list(row)
                while len(cells) > len(headers) and cells[-1] == "":
                    cells.pop()
                lines.append(csv_line(header_map.mask(cells), separator))
            return lines
        return raw

    def chunks() -> Iterator[Chunk]:
        reader = pd.read_csv(
            rest, sep=separator, header=None, names=names, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, chunksize=chunk_rows, engine="c", index_col=False,
        )
        try:
            for frame in reader:
                spare = frame.columns[len(headers):]
                frame[spare] = frame[spare].fillna("")
                spill = (frame[spare] != "").any(axis=1)
                rows = frame.index.to_series() + at + 2
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


def _csv_header(source: Source, lines: list[str]) -> tuple[str, int]:
    """(separator, index of the header line) among the file's first lines: the separator under which
    a header line names the most fields; with none named, the first line's most frequent one."""
    best = (0, max(_SEPARATORS, key=lines[0].count), 0)
    for separator in _SEPARATORS:
        rows = list(csv.reader(lines, delimiter=separator))
        at = find_header(source, rows)
        known = _known_fields(source, rows[at]) if rows else 0
        if known > best[0]:
            best = (known, separator, at)
    return best[1], best[2]


class _Prefixed(io.TextIOBase):
    """Text already read (the lines after the header among the first lines), then the rest of the file."""

    def __init__(self, prefix: str, rest: io.TextIOBase):
        self._prefix, self._rest = prefix, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        if not self._prefix:
            return self._rest.read(size)
        if size is None or size < 0:
            out, self._prefix = self._prefix + self._rest.read(), ""
            return out
        out, self._prefix = self._prefix[:size], self._prefix[size:]
        return out


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
    # A title merged across the table holds its text in its first cell; the others read as None.
    first = [row for _, row in zip(range(HEADER_SEARCH_ROWS), rows)]
    at = find_header(source, [[_cell_text(v) for v in row] for row in first])
    headers = [_cell_text(v) for v in first[at]] if first else []
    while headers and not headers[-1].strip():
        headers.pop()  # cells after the last header belong to no column (a merged title's tail)
    if not any(h.strip() for h in headers):
        raise IngestRefused("ingest.file.empty")
    header_map = map_headers(source, headers)
    header_map.notes[:0] = _header_note(at)
    width = len(headers)
    done = [at + 1]
    epoch = workbook.epoch
    serial_columns = {i: source.field(name).kind for name, i in header_map.positions.items()
                      if source.field(name).kind in ("date", "datetime", "birth_year")}

    def cell(i: int, value) -> str:
        kind = serial_columns.get(i)
        if kind and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = _from_serial(value, kind, epoch)
        return _cell_text(value)

    def chunks() -> Iterator[Chunk]:
        batch: list[list[str]] = []
        numbers: list[int] = []
        for number, row in enumerate(itertools.chain(first[at + 1:], rows), start=at + 2):
            cells = [cell(i, v) for i, v in enumerate(row[:width])]
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


def _from_serial(value: float, kind: str, epoch):
    """An Excel date serial number in a date column as the moment it means (to the second), or the
    number itself where it cannot be one (then the row is rejected as a bad date, or is a year)."""
    from openpyxl.utils.datetime import from_excel

    low = _BIRTH_SERIAL_FROM if kind == "birth_year" else _SERIAL_RANGE[0]
    if not low <= value <= _SERIAL_RANGE[1]:
        return value
    moment = from_excel(value, epoch)
    if isinstance(moment, datetime):
        moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    return moment.date() if kind == "birth_year" or kind == "date" else moment


def _xlsx_chunk(batch: list[list], numbers: list[int], header_map: HeaderMap, width: int) -> Chunk:
    frame = pd.DataFrame([row[:width] for row in batch], dtype=str)
    fields = _fields(frame, header_map)
    fields["_spill"] = [row[width] for row in batch]

    def raw(positions: list[int]) -> list[str]:
        # A row with cells past the header is masked as shifted, as in a CSV file.
        return [csv_line(header_map.mask(batch[p][:width], shifted=bool(batch[p][width])), ",") for p in positions]

    return Chunk(fields, pd.Series(numbers), raw)
