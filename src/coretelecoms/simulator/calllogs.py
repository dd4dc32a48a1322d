"""Call logs: one CSV a day under `call logs/`, with the leftover pandas index as an unnamed first column."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa

from coretelecoms.common.entities import CALL_LOGS_KEY
from coretelecoms.simulator import kinds, tally, text
from coretelecoms.simulator.bucket import header_bytes, line_ending, open_object, remove_object
from coretelecoms.simulator.complaints import DRIFT_COLUMNS, ComplaintChunk
from coretelecoms.simulator.context import GenerationContext
from coretelecoms.simulator.kinds import Kind
from coretelecoms.simulator.plan import FilePlan

ENTITY = "call-logs"
# Exactly as delivered (SOURCES.md): an empty first cell, then the mixed-case names.
HEADER = [
    "",
    "call ID",
    "customeR iD",
    "COMPLAINT_catego ry",
    "agent ID",
    "call_start_time",
    "call_end_time",
    "resolutionstatus",
    "callLogsGenerationDate",
]
# What a row with one field too many carries in it.
_STRAY_FIELDS = pa.array(["", "N/A", "callback requested"])


def header(plan: FilePlan) -> list[str]:
    """The file's header, with the drift column on drifted days."""
    return HEADER + ([DRIFT_COLUMNS[ENTITY][0]] if plan.drift else [])


def _lines(chunk: ComplaintChunk, drift: bool) -> pa.Array:
    fields = [
        chunk.ids(),
        chunk.customer_ids(),
        chunk.categories(),
        chunk.agent_ids(),
        chunk.first_times(),
        chunk.second_times(),
        chunk.statuses(),
        chunk.generation_dates(),
    ]
    if drift:
        fields.append(chunk.drift_values())
    lines = text.join(fields, ",")
    extra = chunk.kind == Kind.EXTRA_FIELDS
    if extra.any():
        stray = text.pick(_STRAY_FIELDS, (chunk.serial % np.uint64(len(_STRAY_FIELDS))).astype(np.int64))
        lines = text.where(extra, text.join([lines, stray], ","), lines)
    missing = chunk.kind == Kind.MISSING_FIELDS
    if missing.any():  # the last field lost, as a hand-edited or cut export would
        lines = text.where(missing, text.join(fields[:-1], ","), lines)
    return lines


def write_day(ctx: GenerationContext, plan: FilePlan) -> dict:
    """Write (or, for a missing day, remove) one day's call-log file; returns its truth."""
    key = CALL_LOGS_KEY.format(date=plan.day.isoformat())
    columns = header(plan)
    counts: Counter = Counter()
    if not plan.delivered:
        remove_object(ctx.root, key)
        return tally.file_truth(plan, key, columns, counts, kinds.mess_names(ENTITY))
    eol = line_ending(plan.crlf)
    record = 0
    with open_object(ctx.root, key) as out:
        out.write(header_bytes(columns, plan.bom, plan.crlf))
        for lo, hi in ctx.ranges(plan.rows):
            chunk = ctx.complaint_chunk(plan, lo, hi)
            lines = chunk.expand(_lines(chunk, plan.drift))
            index = text.integers(np.arange(record, record + len(lines), dtype=np.int64))
            out.write(text.body(text.join([index, ",", lines, eol])))
            record += len(lines)
            tally.add(counts, chunk.tally())
            ctx.report(f"{ENTITY} {plan.day}", len(lines))
    return tally.file_truth(plan, key, columns, counts, kinds.mess_names(ENTITY))
