"""CSV cells safe to open in a spreadsheet. Exports carry text that other people typed (names,
consent evidence from a public form, cells of an uploaded file); a cell starting with = + - @
(or a tab or carriage return) would run as a formula in Excel or LibreOffice (CSV injection),
so it is prefixed with an apostrophe, which spreadsheets show as text (OWASP's advice)."""

from __future__ import annotations

from collections.abc import Iterable

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]
