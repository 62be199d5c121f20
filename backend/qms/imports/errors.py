"""The import's errors (problem+json with a stable `code`)."""

from __future__ import annotations

from qms.errors import AppError, Conflict, Unprocessable


class UnsupportedFile(AppError):
    status = 415
    code = "imports.unsupported_file"
    title = "Unsupported file"


class FileTooLarge(AppError):
    status = 413
    code = "imports.file_too_large"
    title = "File too large"


class EmptyFile(Unprocessable):
    code = "imports.empty_file"
    title = "Empty file"


class InvalidMapping(Unprocessable):
    code = "imports.invalid_mapping"
    title = "Invalid column mapping"


class ConsentEvidenceRequired(Unprocessable):
    code = "imports.consent_evidence_required"
    title = "Consent evidence required"


class AlreadyStarted(Conflict):
    code = "imports.already_started"
    title = "Import already started"


class XlsxTooLarge(AppError):
    status = 413
    code = "imports.xlsx_too_large"
    title = "Spreadsheet unpacks too large"
