"""Read the agents roster through the Google Sheets API v4 with a service-account credential."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from coretelecoms.common.errors import PipelineError


def fetch_sheet_rows(sheet_id: str, credentials: Path | None) -> tuple[list[str], Iterator[tuple], str]:
    """Return (headers, rows, source) of the sheet's first worksheet."""
    raise PipelineError(
        f"agents sheet {sheet_id!r}: the Google Sheets API reader is not available in this build; "
        "point CORETELECOMS_AGENTS_SHEET at a .xlsx or .csv export"
    )
