"""Agents: the Google Sheet `CORETELECOMMS AGENTS` (first worksheet), or a local .xlsx/.csv stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from coretelecoms.common.errors import PipelineError, SourceMissingError
from coretelecoms.extract.csv_stream import CsvChunks
from coretelecoms.extract.records import Delivery, RawChunk
from coretelecoms.lake.filesystem import Location, locate
from coretelecoms.settings import Settings

CHUNK_ROWS = 10_000
LOCAL_SUFFIXES = (".xlsx", ".csv")


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text the sheet shows: 1001.0 typed as a number is the id 1001."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_to_chunks(headers: list[str], rows: Iterator[tuple], first_row: int) -> Iterator[RawChunk]:
    """Group spreadsheet rows into RawChunks, numbered as the sheet shows them (the header is row 1)."""
    width = len(headers)
    buffer: list[list[str]] = []
    numbers: list[int] = []
    for number, row in enumerate(rows, start=first_row):
        cells = [_cell_text(v) for v in row[:width]] + [""] * (width - len(row))
        if not any(cells):
            continue  # blank rows are spreadsheet padding, not records
        buffer.append(cells)
        numbers.append(number)
        if len(buffer) >= CHUNK_ROWS:
            yield _chunk(headers, buffer, numbers)
            buffer, numbers = [], []
    if buffer:
        yield _chunk(headers, buffer, numbers)


def _chunk(headers: list[str], rows: list[list[str]], numbers: list[int]) -> RawChunk:
    columns = [pa.array(list(col), pa.string()) for col in zip(*rows, strict=True)]
    return RawChunk(
        batch=pa.RecordBatch.from_arrays(columns, names=headers),
        row_label="row",
        row_numbers=np.array(numbers),
    )


@contextmanager
def _xlsx_delivery(path: Path) -> Iterator[Delivery]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise PipelineError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise PipelineError(f"{path}: the first worksheet is empty, expected the agents header")
        headers = [_cell_text(h) for h in header_row]
        while headers and headers[-1] == "":
            headers.pop()  # trailing empty header cells are formatting, not columns
        yield Delivery(f"{path}#{sheet.title}", headers, _rows_to_chunks(headers, rows, 2))
    finally:
        workbook.close()


@contextmanager
def _csv_delivery(location: Location) -> Iterator[Delivery]:
    with location.fs.open_input_stream(location.path) as stream:
        chunks = CsvChunks(stream, location.url)
        yield Delivery(location.url, chunks.headers, chunks)


@contextmanager
def _api_delivery(sheet: str, credentials: Path | None) -> Iterator[Delivery]:
    from coretelecoms.extract.google_sheets import fetch_sheet_rows

    headers, rows, source = fetch_sheet_rows(sheet, credentials)
    yield Delivery(source, headers, _rows_to_chunks(headers, rows, 2))


def open_agents(settings: Settings, day: date) -> AbstractContextManager[Delivery]:
    """The agents roster (a snapshot: the date does not change it): a Google Sheet id, or a local stand-in."""
    sheet = settings.agents_sheet
    if not sheet.lower().endswith(LOCAL_SUFFIXES):
        return _api_delivery(sheet, settings.google_credentials)
    location = locate(sheet if "://" in sheet else Path(sheet).expanduser().resolve().as_uri())
    if not location.exists():
        raise SourceMissingError(f"agents sheet stand-in not found: {location.url}")
    if sheet.lower().endswith(".csv"):
        return _csv_delivery(location)
    if location.is_s3:
        raise PipelineError("an .xlsx agents stand-in must be a local file")
    return _xlsx_delivery(Path(location.path))
