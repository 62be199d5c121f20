"""CSV cells safe to open in a spreadsheet. Exports carry text that other people typed (names,
consent evidence from a public form, cells of an uploaded file); a cell starting with = + - @
(or a tab or carriage return) would run as a formula in Excel or LibreOffice (CSV injection),
so it is prefixed with an apostrophe, which spreadsheets show as text (OWASP's advice)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Excel reads a CSV in the machine's legacy code page unless the file starts with a UTF-8 byte
# order mark: with it, Arabic names open as written. Other readers skip it (utf-8-sig).
BOM = "\ufeff"


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


async def csv_chunks(
    header: Iterable[object], rows: AsyncIterable[Iterable[object]], chunk: int = 65536
) -> AsyncIterator[str]:
    """A CSV download, streamed in chunks of about `chunk` characters: the BOM, the header, then
    the rows as given (pass them through `safe_row` where other people's text can appear)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(header)
    async for row in rows:
        writer.writerow(row)
        if buffer.tell() > chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
