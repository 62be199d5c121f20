"""Receiving an upload: the multipart body is parsed as it streams in and the `file` part is
written straight to its place on disk, so a 100 MB file never sits in memory and an oversized
one is refused as soon as it passes the limit."""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from qms.errors import Unprocessable
from qms.imports.errors import FileTooLarge

FIELD = "file"
_FLUSH_BYTES = 1024 * 1024
_MAX_OTHER_BYTES = 64 * 1024  # all non-file parts together
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class _State:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    header_name: bytes = b""
    header_value: bytes = b""
    writing: bool = False  # inside the `file` part
    found: bool = False
    file_name: str = ""
    pending: list[bytes] = field(default_factory=list)
    pending_bytes: int = 0
    size: int = 0
    other_bytes: int = 0


def _file_name(raw: bytes) -> str:
    # Control characters go: NUL cannot be stored in PostgreSQL, and none belongs in a name.
    name = _CONTROL.sub("", raw.decode("utf-8", errors="replace"))
    # Browsers send a bare name; some old ones send the full client path.
    name = PureWindowsPath(PurePosixPath(name).name).name
    return (name.strip() or "upload")[:255]


async def receive_file(request: Request, destination: Path, max_bytes: int) -> tuple[str, int]:
    """Write the `file` part of a multipart/form-data request to `destination`; returns the
    client's file name and the size. Removes the partial file on any failure."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise Unprocessable(
            f"Send the file as multipart/form-data in the field '{FIELD}'.",
            code="validation_error",
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + _MAX_OTHER_BYTES:
        raise FileTooLarge(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    state = _State()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        state.headers.append((state.header_name.lower(), state.header_value))
        state.header_name = state.header_value = b""

    def on_headers_finished() -> None:
        disposition = dict(state.headers).get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        state.writing = (
            options.get(b"name") == FIELD.encode() and b"filename" in options and not state.found
        )
        if state.writing:
            state.found = True
            state.file_name = _file_name(options[b"filename"])

    def on_part_data(data: bytes, start: int, end: int) -> None:
        size = end - start
        if state.writing:
            state.size += size
            if state.size > max_bytes:
                raise FileTooLarge(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
            state.pending.append(data[start:end])
            state.pending_bytes += size
        else:
            state.other_bytes += size
            if state.other_bytes > _MAX_OTHER_BYTES:
                raise Unprocessable("Unexpected form fields.", code="validation_error")

    def on_part_end() -> None:
        state.writing = False
        state.headers = []

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )

    async def flush(f: BinaryIO) -> None:
        if state.pending:
            data = b"".join(state.pending)
            state.pending, state.pending_bytes = [], 0
            await asyncio.to_thread(f.write, data)

    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with destination.open("wb") as f:
            async for chunk in request.stream():
                try:
                    parser.write(chunk)
                except MultipartParseError as exc:
                    raise Unprocessable(
                        "The multipart body is malformed.", code="validation_error"
                    ) from exc
                if state.pending_bytes >= _FLUSH_BYTES:
                    await flush(f)
            parser.finalize()
            await flush(f)
        if not state.found:
            raise Unprocessable(
                f"Send the file in the multipart field '{FIELD}'.", code="validation_error"
            )
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            destination.unlink()  # noqa: ASYNC240 — one unlink, also on cancellation
        raise
    return state.file_name, state.size
