"""Schema-on-write: map raw headers to the canonical columns, cast every value, quarantine what does not fit.

Everything here is vectorised with pyarrow.compute; Python only touches the (rare) failing rows to
write their reasons. Values are not cleaned (no trimming of strings, no case folding): that is dbt
staging's job, where the rules live in one place and are tested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coretelecoms.common.entities import INDEX_HEADERS, Column, Entity, header_key
from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.records import RawChunk

TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
# `1035.0` is the integer 1035: pandas writes integers as floats when the column holds a NaN.
INTEGER_PATTERN = r"^[+-]?[0-9]{1,18}(\.0*)?$"
# Fractional seconds (a timestamptz column read as text, `10:00:00.123456`) are kept to the microsecond.
FRACTION_PATTERN = r"^(?P<base>[^.]*)(?:\.(?P<fraction>[0-9]{1,6}))?$"
# Dates outside this window are not events of a running telecom: quarantined, so one 2999-12-31 never
# reaches the marts (whose date dimension it would break). Births go back further, never ahead.
EARLIEST_EVENT = date(2000, 1, 1)
EARLIEST_BIRTH = date(1900, 1, 1)
FUTURE_SLACK = timedelta(days=7)  # a delivery dated D holds nothing later than D, give or take time zones
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("entity", pa.string(), nullable=False),
        pa.field("location", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw_record", pa.string(), nullable=False),
    ]
)
DRIFT_KEYS = (
    pa.field("entity", pa.string(), nullable=False),
    pa.field("location", pa.string(), nullable=False),
)


def drift_column(header: str) -> str:
    """The drift report's name for an unknown column: as delivered, unless it would clash with ours."""
    clashes = {f.name for f in DRIFT_KEYS} | {"_ingested_at", "_source", "_run_id", "_ingest_date"}
    return f"extra:{header}" if header in clashes else header


def drift_schema(extra: tuple[str, ...]) -> pa.Schema:
    """Where and what the unknown columns carried: one text column per new header, as delivered."""
    return pa.schema([*DRIFT_KEYS, *(pa.field(drift_column(h), pa.string()) for h in extra)])


@dataclass(frozen=True)
class HeaderMap:
    """How one source's header lines up with the entity's contract."""

    columns: dict[str, Column]  # raw header -> canonical column
    extra: tuple[str, ...]  # headers the contract does not know (schema drift)


def map_headers(entity: Entity, headers: list[str], source: str) -> HeaderMap:
    """Match headers to the contract; a missing contract column is a broken source, not a bad row."""
    by_key = {header_key(c.source): c for c in entity.columns}
    mapped: dict[str, Column] = {}
    extra: list[str] = []
    for header in headers:
        column = by_key.get(header_key(header))
        if column is not None and column not in mapped.values():
            mapped[header] = column
        elif header_key(header) not in INDEX_HEADERS:
            extra.append(header)
    missing = [c.source for c in entity.columns if c not in mapped.values()]
    if missing:
        raise PipelineError(
            f"{source}: missing column(s) {', '.join(map(repr, missing))} (header: {headers!r})"
        )
    return HeaderMap(mapped, tuple(extra))


def _calendar_checked(text: pa.Array, parsed: pa.Array, pattern: str) -> pa.Array:
    """Null out values that are not written exactly as `pattern`, or that strptime rolled over.

    Arrow's strptime accepts `2025-02-30` (as March 2nd) and unpadded fields; neither is a value
    the source contract allows, so both must reach the quarantine instead.
    """
    shaped = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    day_text = pc.if_else(shaped, pc.utf8_slice_codeunits(text, 8, 10), pa.scalar(None, pa.string()))
    same_day = pc.equal(pc.day(parsed), pc.cast(day_text, pa.int64()))
    return pc.if_else(pc.fill_null(same_day, False), parsed, pa.scalar(None, parsed.type))


def _written_day(text: pa.StringArray) -> np.ndarray:
    """The two digits at characters 8-9 (the day of YYYY-MM-DD…), read straight from the buffers."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text)]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8) if text.buffers()[2] else np.zeros(2, np.uint8)
    first = np.clip(offsets + 8, 0, max(len(data) - 2, 0))  # short values are excluded by the caller anyway
    return (data[first].astype(np.int64) - 48) * 10 + (data[first + 1].astype(np.int64) - 48)


def _parse_temporal(raw: pa.StringArray, lengths: pa.Array, column: Column) -> pa.Array:
    """Parse timestamps/dates: one strptime for the exactly-written majority, the careful path for the rest."""
    is_date = pa.types.is_date(column.type)
    formats, pattern, width = (
        (("%Y-%m-%d",), DATE_PATTERN, 10) if is_date else (TIMESTAMP_FORMATS, TIMESTAMP_PATTERN, 19)
    )
    unit = "s" if is_date else "us"
    parsed = pc.strptime(raw, format=formats[0], unit=unit, error_is_null=True)
    exact = pc.and_(pc.fill_null(pc.equal(lengths, width), False), pc.is_valid(parsed))
    exact = exact.to_numpy(zero_copy_only=False)
    valid = exact.copy()
    if exact.any():  # strptime rolls 2025-02-30 over into March: the written day must survive parsing
        parsed_day = pc.fill_null(pc.day(parsed), 0).to_numpy(zero_copy_only=False)
        valid &= parsed_day == _written_day(raw)
    values = pc.fill_null(parsed.cast(pa.int64()), 0).to_numpy(zero_copy_only=False).copy()
    rest = np.flatnonzero(~exact & (lengths.to_numpy(zero_copy_only=False) > 0))
    if len(rest):  # padded, the T separator, fractional seconds, or garbage: trimmed and checked by regex
        text = pc.utf8_trim_whitespace(raw.take(pa.array(rest)))
        micros = None
        if not is_date:
            parts = pc.extract_regex(text, FRACTION_PATTERN)
            text = pc.struct_field(parts, "base")
            micros = pc.cast(pc.utf8_rpad(pc.struct_field(parts, "fraction"), 6, "0"), pa.int64())
        slow = pc.strptime(text, format=formats[0], unit=unit, error_is_null=True)
        for alternative in formats[1:]:
            slow = pc.coalesce(slow, pc.strptime(text, format=alternative, unit=unit, error_is_null=True))
        slow = pc.cast(_calendar_checked(text, slow, pattern), pa.int64())
        if micros is not None:
            slow = pc.add(slow, micros)
        valid[rest] = slow.is_valid().to_numpy(zero_copy_only=False)
        values[rest] = pc.fill_null(slow, 0).to_numpy(zero_copy_only=False)
    typed = pa.array(values, pa.int64(), mask=~valid).cast(pa.timestamp(unit))
    return pc.cast(typed, pa.date32()) if is_date else typed


def _blank(raw: pa.StringArray, lengths: pa.Array) -> pa.Array:
    """Empty or whitespace-only: a missing value."""
    return pc.fill_null(pc.or_(pc.equal(lengths, 0), pc.utf8_is_space(raw)), True)


def _cast(column: Column, raw: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Cast one raw string column; returns (typed values, mask of rows whose value did not parse)."""
    lengths = pc.binary_length(raw)
    if pa.types.is_string(column.type):
        return raw, (_blank(raw, lengths) if column.required else None)
    # Empty means "no value": null, not an error.
    present = pc.invert(_blank(raw, lengths))
    if pa.types.is_integer(column.type):
        trimmed = pc.utf8_trim_whitespace(raw)
        ok = pc.match_substring_regex(trimmed, INTEGER_PATTERN)
        digits = pc.replace_substring_regex(trimmed, r"\.0*$", "")
        typed = pc.cast(pc.if_else(ok, digits, pa.scalar(None, pa.string())), column.type)
    elif pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        typed = _parse_temporal(raw, lengths, column)
    else:  # pragma: no cover - the contract only uses the types above
        raise TypeError(f"no cast for {column.type}")
    bad = pc.and_(present, pc.is_null(typed))
    if column.required:
        bad = pc.or_(bad, pc.invert(present))
    return typed, bad


@dataclass
class Normalized:
    """One chunk after schema-on-write."""

    valid: pa.RecordBatch  # canonical columns only (lineage is added by the engine)
    quarantined: pa.RecordBatch  # QUARANTINE_SCHEMA
    drift: pa.RecordBatch | None  # drift_schema(), the unknown columns' values of the kept rows
    reason_kinds: list[
        str
    ]  # one per quarantined row: its reason without the value, for the manifest's counts


_EXPECTED = {
    pa.int64(): "an integer",
    pa.timestamp("us"): "a timestamp YYYY-MM-DD HH:MM:SS",
    pa.date32(): "a date YYYY-MM-DD",
}


def _expected(column: Column) -> str:
    return _EXPECTED.get(column.type, str(column.type))


def plausible_window(column: Column, day: date) -> tuple[date, date]:
    """The dates a value of `column` may take in a delivery ingested on `day`."""
    if column.name == "date_of_birth":
        return EARLIEST_BIRTH, day
    return EARLIEST_EVENT, day + FUTURE_SLACK


def _outside(column: Column, values: pa.Array, day: date) -> pa.Array:
    earliest, latest = plausible_window(column, day)
    if pa.types.is_timestamp(column.type):
        low, high = (
            pa.scalar(earliest, pa.date32()).cast(column.type),
            pa.scalar(latest + timedelta(days=1), pa.date32()).cast(column.type),
        )
        outside = pc.or_(pc.less(values, low), pc.greater_equal(values, high))
    else:
        outside = pc.or_(pc.less(values, pa.scalar(earliest)), pc.greater(values, pa.scalar(latest)))
    return pc.fill_null(outside, False)


def _reason(column: Column, value: str | None, problem: str, day: date | None) -> tuple[str, str]:
    """(the reason, with the value; its kind, without it, so equal faults count together)."""
    if column.required and (value is None or not value.strip()):
        return f"empty {column.name}", f"empty {column.name}"
    if problem == "outside" and day is not None:
        earliest, latest = plausible_window(column, day)
        window = f"outside the plausible window {earliest} .. {latest}"
        return f"{column.name} {value!r} is {window}", f"{column.name} is {window}"
    return f"{column.name} {value!r} is not {_expected(column)}", f"{column.name} is not {_expected(column)}"


def normalize(entity: Entity, headers: HeaderMap, chunk: RawChunk, day: date | None = None) -> Normalized:
    """Split one raw chunk into rows that fit the schema and quarantined rows with their reasons.

    With the ingest `day`, dates outside their plausible window are quarantined too.
    """
    batch = chunk.batch
    typed: dict[str, pa.Array] = {}
    bad_masks: list[tuple[Column, str, pa.Array, str]] = []
    for header, column in headers.columns.items():
        raw = batch.column(header)
        if not pa.types.is_string(raw.type):
            raw = pc.cast(raw, pa.string())
        values, bad = _cast(column, raw)
        typed[column.name] = values
        if bad is not None and pc.any(bad).as_py():
            bad_masks.append((column, header, bad, "unparseable"))
        if day is not None and (pa.types.is_timestamp(column.type) or pa.types.is_date(column.type)):
            outside = _outside(column, values, day)
            if pc.any(outside).as_py():
                bad_masks.append((column, header, outside, "outside"))

    if bad_masks:
        any_bad = bad_masks[0][2]
        for _, _, mask, _ in bad_masks[1:]:
            any_bad = pc.or_(any_bad, mask)
        bad_rows = pc.indices_nonzero(any_bad).to_pylist()
        keep = pc.invert(any_bad)
    else:
        bad_rows, keep = [], None

    quarantine_rows = []
    kinds: list[str] = []
    if bad_rows:
        # Only the failing rows are converted to Python, in one go: they are few.
        taken = pa.array(bad_rows, pa.int64())
        records = batch.take(taken).to_pylist()
        masks = [(c, h, mask.take(taken).to_pylist(), problem) for c, h, mask, problem in bad_masks]
        for k, (i, record) in enumerate(zip(bad_rows, records, strict=True)):
            reasons = [_reason(c, record[h], problem, day) for c, h, flags, problem in masks if flags[k]]
            quarantine_rows.append(
                (chunk.location(i), "; ".join(r for r, _ in reasons), json.dumps(record, ensure_ascii=False))
            )
            kinds.append("; ".join(kind for _, kind in reasons))
    for reject in chunk.rejects:
        quarantine_rows.append((reject.location, reject.reason, reject.raw))
        kinds.append(reject.kind or reject.reason)

    valid = pa.RecordBatch.from_arrays(
        [typed[c.name] for c in entity.columns], names=[c.name for c in entity.columns]
    )
    drift = None
    if headers.extra:
        drift = _drift(entity, headers, chunk)
    if keep is not None:
        valid = valid.filter(keep)
        if drift is not None:
            drift = drift.filter(keep)
    quarantined = pa.RecordBatch.from_arrays(
        [
            pa.array([entity.name] * len(quarantine_rows), pa.string()),
            pa.array([r[0] for r in quarantine_rows], pa.string()),
            pa.array([r[1] for r in quarantine_rows], pa.string()),
            pa.array([r[2] for r in quarantine_rows], pa.string()),
        ],
        schema=QUARANTINE_SCHEMA,
    )
    return Normalized(valid, quarantined, drift, kinds)


def _drift(entity: Entity, headers: HeaderMap, chunk: RawChunk) -> pa.RecordBatch:
    """Keep the values of columns the contract does not know, so schema drift never drops data."""
    batch = chunk.batch
    n = batch.num_rows
    extra = [pc.cast(batch.column(h), pa.string()) for h in headers.extra]
    return pa.RecordBatch.from_arrays(
        [pa.repeat(pa.scalar(entity.name), n), chunk.locations(), *extra], schema=drift_schema(headers.extra)
    )
