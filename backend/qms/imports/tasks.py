"""arq task of the import (registered in qms.worker.settings)."""

from __future__ import annotations

import uuid
from typing import Any

from qms.imports import service
from qms.state import AppState


async def run_import(ctx: dict[str, Any], import_id: str) -> None:
    """Run (or resume) an import; it commits its own chunks and batches."""
    from qms.worker.settings import WorkerSettings

    state: AppState = ctx["state"]
    await service.run(
        state,
        uuid.UUID(import_id),
        job_try=int(ctx.get("job_try", 1)),
        max_tries=WorkerSettings.max_tries,
    )
