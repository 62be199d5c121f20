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
import io
import os
import struct
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, cast

from qms.errors import AppError
from qms.imports.errors import EmptyFile, UnsupportedFile, XlsxTooLarge

PREVIEW_ROWS = 10
PREVIEW_CELL_CHARS = 200
DELIMITERS = (",", ";", "\t")
_SNIFF_BYTES = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
csv.field_size_limit(1024 * 1024)

# An XLSX is a zip of XML parts, and a small one can unpack to gigabytes (a zip bomb). What a
# file may unpack to is capped: by the sizes its zip directory declares, checked before any
# part is read, and again while reading (a declared size can lie). Real sheets compress 5 to
# 20 times (about 1 GB unpacked is a million rows of 15-20 columns); a part that claims far
# more is refused however small it is.
MAX_XLSX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 100
_RATIO_MIN_BYTES = 1024 * 1024  # smaller parts (styles, relationships) are not worth judging
MAX_XLSX_DIRECTORY_BYTES = 1024 * 1024  # ~15,000 parts; a real workbook has dozens
_MAX_COLUMNS = 16384  # Excel's
_MAX_ROWS = 1_048_576  # Excel's
_EOCD_MAGIC = b"PK\x05\x06"
_EOCD_SIZE = 22
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ$"


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
    # PostgreSQL cannot store NUL (a UTF-16 file can hold one): shown as U+FFFD, the row is
    # rejected when imported.
    row = [c[:PREVIEW_CELL_CHARS].replace("\x00", "\ufffd") for c in cells[:width]]
    return row + [""] * (width - len(row))


def _blank(cells: list[str]) -> bool:
    # isspace stops at the first other character; strip would copy every cell
    return not any(c and not c.isspace() for c in cells)


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


def _too_large(what: str) -> XlsxTooLarge:
    return XlsxTooLarge(
        f"The spreadsheet {what} (a contacts file may unpack to "
        f"{MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)} MB). Split it, or save it as CSV."
    )


def _directory_size(handle: BinaryIO) -> int | None:
    """The size of the zip's directory, found as zipfile finds it (zip64 included) but before
    zipfile builds an object for each of its entries. None: no end record (not a zip)."""
    handle.seek(0, os.SEEK_END)
    start = max(0, handle.tell() - _EOCD_SIZE - 0xFFFF)  # the end record, then its comment
    handle.seek(start)
    tail = handle.read()
    at = len(tail) - _EOCD_SIZE
    if not (at >= 0 and tail[at:].startswith(_EOCD_MAGIC) and tail.endswith(b"\x00\x00")):
        at = tail.rfind(_EOCD_MAGIC)
        if at < 0 or len(tail) - at < _EOCD_SIZE:
            return None
    size: int = struct.unpack("<L", tail[at + 12 : at + 16])[0]
    locator = start + at - 20  # a zip64 locator there points to the sizes zipfile uses
    if locator >= 56:
        handle.seek(locator - 56)
        record = handle.read(76)
        if record[56:60] == b"PK\x06\x07" and record[:4] == b"PK\x06\x06":
            size = struct.unpack("<Q", record[40:48])[0]
    handle.seek(0)
    return size


def _check_zip(archive: zipfile.ZipFile) -> None:
    """The sizes the zip declares, before anything is unpacked."""
    parts = archive.infolist()
    if sum(part.file_size for part in parts) > MAX_XLSX_UNPACKED_BYTES:
        raise _too_large("unpacks to more than a contacts file may")
    for part in parts:
        if part.file_size > _RATIO_MIN_BYTES and (
            part.file_size > MAX_XLSX_RATIO * max(1, part.compress_size)
        ):
            raise _too_large(
                f"has a part compressed {part.file_size // max(1, part.compress_size)} times, "
                "far more than a real spreadsheet is"
            )


class _Capped(io.BufferedIOBase):
    """A zip part that is never read past its declared size (CPython's zipfile also stops
    there, but then only a checksum error tells the file is wrong; this does not depend on
    it)."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__()
        self._stream = stream
        self._left = limit

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._stream.read(-1 if size is None else size)
        self._left -= len(data)
        if self._left < 0:
            raise _too_large("unpacks to more than its zip directory declares")
        return data

    read1 = read

    def close(self) -> None:
        self._stream.close()
        super().close()


class _CappedZip(zipfile.ZipFile):
    def open(
        self,
        name: str | zipfile.ZipInfo,
        mode: Literal["r", "w"] = "r",
        pwd: bytes | None = None,
        *,
        force_zip64: bool = False,
    ) -> IO[bytes]:
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return stream
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return cast(IO[bytes], _Capped(stream, info.file_size))


@dataclass
class _Book:
    """What reading the first sheet of a workbook needs."""

    archive: zipfile.ZipFile
    sheet: str  # the sheet's part
    shared_strings: list[Any]
    workbook: Any

    def parser(self, source: IO[bytes]) -> Any:
        from openpyxl.worksheet._reader import WorkSheetParser

        return WorkSheetParser(
            source,
            self.shared_strings,
            data_only=True,
            epoch=self.workbook.epoch,
            date_formats=self.workbook._date_formats,
            timedelta_formats=self.workbook._timedelta_formats,
        )


def _unreadable() -> UnsupportedFile:
    return UnsupportedFile(
        "The XLSX file is damaged or not a spreadsheet; open it in Excel "
        "and save it again, or save it as CSV."
    )


def _open_book(handle: BinaryIO) -> _Book:
    # openpyxl's own reading, minus what a contacts file does not need: its load_workbook
    # opens every sheet and, where a sheet does not declare its size, parses all of it for
    # that, on every open (a preview would read the whole sheet).
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    directory = _directory_size(handle)
    if directory is not None and directory > MAX_XLSX_DIRECTORY_BYTES:
        raise _too_large("has more parts than any spreadsheet")
    archive = _CappedZip(handle)
    try:
        _check_zip(archive)
        reader = ExcelReader.__new__(ExcelReader)
        reader.archive, reader.valid_files = archive, archive.namelist()
        reader.read_only, reader.keep_vba, reader.data_only = True, False, True
        reader.keep_links, reader.rich_text, reader.shared_strings = False, False, []
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(archive, reader.wb)
        sheet = next(
            (
                rel.target
                for _, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ),
            None,
        )
        if sheet is None:
            raise EmptyFile("The file is empty.")
        return _Book(archive, sheet, reader.shared_strings, reader.wb)
    except BaseException:
        archive.close()
        raise


@contextlib.contextmanager
def _workbook(path: Path) -> Iterator[_Book]:
    with path.open("rb") as handle:
        try:
            book = _open_book(handle)
        except (AppError, MemoryError):
            raise
        except Exception as exc:  # whatever the parser makes of a damaged file
            raise _unreadable() from exc
        try:
            yield book
        finally:
            book.archive.close()


def _declared_last_row(book: _Book) -> int | None:
    """The last row the sheet's <dimension> declares, read from the sheet's head only."""
    from openpyxl.xml.functions import iterparse  # the parser openpyxl reads every part with

    with book.archive.open(book.sheet) as source:
        for _, element in iterparse(source, events=("start",)):
            name = element.tag.rpartition("}")[2]
            if name == "dimension":
                last = element.get("ref", "").rpartition(":")[2].lstrip(_LETTERS)
                # beyond Excel's last row it is not a size but a lie (nor fits total_rows)
                if last.isdigit() and len(last) <= 7 and int(last) <= _MAX_ROWS:
                    return int(last)
                return None
            if name == "sheetData":
                return None
    return None


def _sheet_rows(book: _Book) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """The parser's rows, its failures as an unreadable file."""
    with book.archive.open(book.sheet) as source:
        rows = book.parser(source).parse()
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except (AppError, MemoryError):
                raise
            except Exception as exc:  # a truncated or malformed sheet, a bad cell value
                raise _unreadable() from exc
            yield row


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    with _workbook(path) as book:
        yield from _book_records(book)


def _book_records(book: _Book) -> Generator[tuple[int, list[str]]]:
    width = 0  # the header's, once read: cells right of it are not data
    expanded = 0
    previous = 0
    for line, raw in _sheet_rows(book):
        # Line numbers key the staged rows and count the batches: a row number that does not
        # increase, or lies beyond Excel's last row, is a damaged (or hand-made) sheet.
        if not previous < line <= _MAX_ROWS:
            raise _unreadable()
        previous = line
        if not raw:
            continue
        size = width or min(_MAX_COLUMNS, max(cell["column"] for cell in raw))
        cells = [""] * size
        for cell in raw:
            column = cell["column"]
            if 0 < column <= size:
                cells[column - 1] = _cell(cell["value"])
        # A cell can repeat a long shared string for a few bytes of XML: what the cells
        # expand to is capped like the XML itself, so no later step works on more.
        expanded += sum(map(len, cells))
        if expanded > MAX_XLSX_UNPACKED_BYTES:
            raise _too_large("expands to more text than a contacts file may")
        if _blank(cells):
            continue
        if not width:
            width = max(1, len(_trim(cells)))
        yield line, cells


def _inspect_xlsx(path: Path) -> FileInfo:
    headers: list[str] | None = None
    preview: list[list[str]] = []
    header_line = 1
    with _workbook(path) as book, contextlib.closing(_book_records(book)) as records:
        for line, cells in records:
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
        # The sheet's declared size (cheap: its head); the job counts exactly.
        try:
            max_row = _declared_last_row(book)
        except (AppError, MemoryError):
            raise
        except Exception:
            max_row = None
    total = max_row - header_line if max_row is not None and max_row > header_line else None
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
