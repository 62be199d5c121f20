"""Reading an uploaded contacts file: CSV (UTF-8, UTF-16 or Windows-1256, `,` `;` or tab
delimited) or XLSX (first sheet), as rows of strings with the file's line numbers.

Line numbers are what a person sees in the file: the header is line 1; a CSV record that spans
lines (a quoted newline) has the number of its first line; an XLSX row has its sheet row number.
Blank rows are not data rows.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from qms.imports.errors import EmptyFile, UnsupportedFile

PREVIEW_ROWS = 10
PREVIEW_CELL_CHARS = 200
DELIMITERS = (",", ";", "\t")
_SNIFF_BYTES = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
csv.field_size_limit(1024 * 1024)


@dataclass(frozen=True)
class FileInfo:
    file_type: str  # csv | xlsx
    encoding: str | None  # utf-8 | utf-16 | windows-1256 (CSV only)
    delimiter: str | None
    headers: list[str]
    preview: list[list[str]]
    total_rows: int | None


def detect_encoding(head: bytes, path: Path) -> str:
    """BOM first (UTF-8, UTF-16 LE/BE); else UTF-16 without a BOM (NUL in every other byte);
    else UTF-8 if the whole file decodes; else Windows-1256, the usual export of Arabic Excel."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _utf16_without_bom(head) is not None:
        return "utf-16"
    if b"\x00" in head:
        raise UnsupportedFile("The file is not a CSV or XLSX file.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "windows-1256"
    return "utf-8"


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def codec_for(encoding: str, head: bytes) -> str:
    """The Python codec that reads a file of this detected encoding."""
    if encoding == "utf-8":
        return "utf-8-sig"  # drops a BOM if there is one
    if encoding == "windows-1256":
        return "cp1256"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # reads the BOM
    return _utf16_without_bom(head) or "utf-16"


def sniff_delimiter(sample: str) -> str:
    """The candidate that splits the first lines into the same number (>1) of fields most
    consistently; `,` when nothing does."""
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line short
    lines = [line for line in lines[:50] if line.strip()]
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        agreeing = sum(1 for c in counts if c == counts[0]) / len(counts)
        score = agreeing * 1000 + counts[0]
        if agreeing >= 0.8 and score > best_score:
            best, best_score = delimiter, score
    return best


def _open_text(path: Path, codec: str) -> TextIO:
    errors = "replace" if codec == "cp1256" else "strict"
    return path.open(encoding=codec, errors=errors, newline="")


def _clean_headers(raw: list[str]) -> list[str]:
    headers: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(raw, start=1):
        name = cell.strip().replace("\x00", "") or f"Column {index}"
        unique, n = name, 2
        while unique in seen:
            unique, n = f"{name} ({n})", n + 1
        seen.add(unique)
        headers.append(unique[:200])
    return headers


def _preview_row(cells: list[str], width: int) -> list[str]:
    row = [c[:PREVIEW_CELL_CHARS] for c in cells[:width]]
    return row + [""] * (width - len(row))


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def inspect(path: Path) -> FileInfo:
    """Type, encoding, delimiter, headers, the first rows and the number of data rows."""
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if not head.strip():
        raise EmptyFile("The file is empty.")
    if head.startswith(_OLE_MAGIC):
        raise UnsupportedFile("Old Excel (.xls) files are not supported: save as .xlsx or CSV.")
    if head.startswith(_ZIP_MAGIC):
        return _inspect_xlsx(path)
    encoding = detect_encoding(head, path)
    codec = codec_for(encoding, head)
    with _open_text(path, codec) as text:
        sample = text.read(_SNIFF_BYTES)
    delimiter = sniff_delimiter(sample)
    headers: list[str] | None = None
    preview: list[list[str]] = []
    total = 0
    try:
        for _, cells in _csv_records(path, codec, delimiter):
            if headers is None:
                headers = _clean_headers(cells)
                continue
            total += 1
            if len(preview) < PREVIEW_ROWS:
                preview.append(_preview_row(cells, len(headers)))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise UnsupportedFile(f"The file is not valid CSV: {exc}") from exc
    if headers is None:
        raise EmptyFile("The file is empty.")
    if total == 0:
        raise EmptyFile("The file has a header row but no data rows.")
    return FileInfo("csv", encoding, delimiter, headers, preview, total)


def _csv_records(path: Path, codec: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on."""
    with _open_text(path, codec) as text:
        reader = csv.reader(text, delimiter=delimiter)
        line = 1
        for cells in reader:
            if not _blank(cells):
                yield line, cells
            line = reader.line_num + 1


def _cell(value: Any) -> str:
    """An XLSX cell as the text a person sees (numbers without a trailing .0, dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@contextlib.contextmanager
def _workbook(path: Path, data_only: bool = False) -> Iterator[Any]:
    import openpyxl  # heavy: only for XLSX files
    from openpyxl.utils.exceptions import InvalidFileException

    # A file object, not the path: stored uploads have no .xlsx extension for openpyxl to check.
    with path.open("rb") as handle:
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=data_only)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise UnsupportedFile("The file is not a CSV or XLSX file.") from exc
        try:
            yield workbook
        finally:
            workbook.close()


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    with _workbook(path, data_only=True) as workbook:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if not _blank(cells):
                yield line, cells


def _inspect_xlsx(path: Path) -> FileInfo:
    headers: list[str] | None = None
    preview: list[list[str]] = []
    header_line = 1
    for line, cells in _xlsx_records(path):
        if headers is None:
            headers, header_line = _clean_headers(_trim(cells)), line
            continue
        preview.append(_preview_row(cells, len(headers)))
        if len(preview) >= PREVIEW_ROWS:
            break
    if headers is None:
        raise EmptyFile("The file is empty.")
    if not preview:
        raise EmptyFile("The file has a header row but no data rows.")
    # The sheet's declared size (cheap in read-only mode); the job counts exactly.
    with _workbook(path) as workbook:
        max_row = workbook.worksheets[0].max_row
    total = max_row - header_line if isinstance(max_row, int) and max_row > header_line else None
    return FileInfo("xlsx", None, None, headers, preview, total)


def _trim(cells: list[str]) -> list[str]:
    """A header row without its trailing empty cells (XLSX rows span the sheet's width)."""
    end = len(cells)
    while end > 0 and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def records(
    path: Path, file_type: str, encoding: str | None, delimiter: str | None
) -> Iterator[tuple[int, list[str]]]:
    """The data rows (header skipped) with their line numbers."""
    if file_type == "xlsx":
        rows = _xlsx_records(path)
    else:
        with path.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
        rows = _csv_records(path, codec_for(encoding or "utf-8", head), delimiter or ",")
    header_seen = False
    for line, cells in rows:
        if not header_seen:
            header_seen = True
            continue
        yield line, cells
