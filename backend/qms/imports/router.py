"""Contacts import: upload → map columns and consent → job with live progress → error report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import StreamingResponse

from qms.auth.dependencies import Principal, requires
from qms.deps import Session, State
from qms.errors import PROBLEM_RESPONSE
from qms.imports import service
from qms.imports.schemas import ImportOut, ImportStartIn
from qms.imports.upload import FIELD
from qms.pagination import Items
from qms.spreadsheet import csv_chunks, safe_row

router = APIRouter(prefix="/contacts/imports", tags=["imports"])

ContactsRead = Annotated[Principal, Depends(requires("contacts:read"))]
ContactsWrite = Annotated[Principal, Depends(requires("contacts:write"))]

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "A CSV (UTF-8, UTF-16 or Windows-1256; `,` `;` or "
                            "tab separated) or XLSX file (first sheet), header row first.",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="imports:upload",
    openapi_extra=_UPLOAD_BODY,
    responses={
        413: {"description": "imports.file_too_large, imports.xlsx_too_large", **PROBLEM_RESPONSE},
        415: {"description": "imports.unsupported_file", **PROBLEM_RESPONSE},
        422: {"description": "imports.empty_file", **PROBLEM_RESPONSE},
    },
)
async def upload_import(
    request: Request, principal: ContactsWrite, session: Session, state: State
) -> ImportOut:
    """Upload a contacts file (streamed to disk, up to 200 MB). The answer describes it: type,
    detected encoding, headers and the first rows, for the column mapping."""
    # End the authentication's transaction first: a large upload takes minutes, and a pooled
    # connection must not sit idle in a transaction (holding a snapshot) meanwhile.
    await session.commit()
    record = await service.upload(session, state, principal, request)
    return ImportOut.model_validate(record)


@router.post(
    "/{import_id}/start",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="imports:start",
    responses={
        409: {"description": "imports.already_started", **PROBLEM_RESPONSE},
        422: {
            "description": "imports.invalid_mapping, imports.consent_evidence_required",
            **PROBLEM_RESPONSE,
        },
    },
)
async def start_import(
    import_id: uuid.UUID, body: ImportStartIn, principal: ContactsWrite, session: Session
) -> ImportOut:
    """Map the file's columns, say how consent was given, and run the import in the
    background. Poll the import for progress."""
    record = await service.start(session, principal, import_id, body)
    return ImportOut.model_validate(record)


@router.get("", operation_id="imports:list")
async def list_imports(principal: ContactsRead, session: Session) -> Items[ImportOut]:
    """The workspace's latest imports, newest first."""
    rows = await service.list_imports(session, principal.workspace_id)
    return Items(items=[ImportOut.model_validate(r) for r in rows])


@router.get("/{import_id}", operation_id="imports:get")
async def get_import(import_id: uuid.UUID, principal: ContactsRead, session: Session) -> ImportOut:
    """The import with its live counters."""
    return ImportOut.model_validate(
        await service.get_import(session, principal.workspace_id, import_id)
    )


@router.get(
    "/{import_id}/errors",
    operation_id="imports:errors",
    responses={200: {"content": {"text/csv": {}}}},
)
async def import_errors(
    import_id: uuid.UUID, principal: ContactsRead, session: Session, state: State
) -> StreamingResponse:
    """The rejected rows as CSV: `line,reason,value` (line numbers as in the file, the header
    being line 1)."""
    await service.get_import(session, principal.workspace_id, import_id)

    # The value is a cell of the uploaded file, written back as text, never as a formula.
    rows = (safe_row(row) async for row in service.error_rows(state, import_id))
    return StreamingResponse(
        csv_chunks(["line", "reason", "value"], rows),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )
