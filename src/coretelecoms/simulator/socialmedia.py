"""Social-media complaints: one column-oriented JSON file a day, written one column at a time.

The layout is pandas' default `DataFrame.to_json()`: `{"column": {"0": value, "1": value, ...}, ...}`.
Each column is streamed by regenerating the day's chunks (the draws are counter-based, so a chunk is
the same every time), which keeps memory flat however many records the day holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from coretelecoms.common.entities import SOCIAL_MEDIA_KEY
from coretelecoms.simulator import kinds, tally, text
from coretelecoms.simulator.bucket import open_object, remove_object
from coretelecoms.simulator.complaints import DRIFT_COLUMNS, ComplaintChunk
from coretelecoms.simulator.context import GenerationContext
from coretelecoms.simulator.plan import FilePlan

ENTITY = "social-media"


def _quoted(values: pa.Array) -> pa.Array:
    # JSON strings without escaping: every generated value is printable ASCII free of `"`, `\` and `/`.
    return text.join(['"', values, '"'])


def _agent_ids(chunk: ComplaintChunk) -> pa.Array:
    # A JSON number normally; a non-integer agent id can only be a string.
    values = chunk.agent_ids()
    return text.where(chunk.agent_is_text, _quoted(values), values)


# Column name -> JSON values of a chunk, in the file's column order (SOURCES.md).
COLUMNS: dict[str, Callable[[ComplaintChunk], pa.Array]] = {
    "complaint_id": lambda c: _quoted(c.ids()),
    "customeR iD": lambda c: _quoted(c.customer_ids()),
    "COMPLAINT_catego ry": lambda c: _quoted(c.categories()),
    "agent ID": _agent_ids,
    "resolutionstatus": lambda c: _quoted(c.statuses()),
    "request_date": lambda c: _quoted(c.first_times()),
    "resolution_date": lambda c: _quoted(c.second_times()),
    "media_channel": lambda c: _quoted(c.media_channels()),
    "MediaComplaintGenerationDate": lambda c: _quoted(c.generation_dates()),
}
_DRIFT = (DRIFT_COLUMNS[ENTITY][0], lambda c: _quoted(c.drift_values()))


def header(plan: FilePlan) -> list[str]:
    """The file's keys, with the drift column on drifted days."""
    return list(COLUMNS) + ([_DRIFT[0]] if plan.drift else [])


def _column_items(ctx: GenerationContext, plan: FilePlan, build: Callable[[ComplaintChunk], pa.Array]):
    """`,"<index>":<value>` items of one column, a chunk at a time, with the chunk they came from."""
    record = 0
    for lo, hi in ctx.ranges(plan.rows):
        chunk = ctx.complaint_chunk(plan, lo, hi)
        values = chunk.expand(build(chunk))
        index = text.integers(np.arange(record, record + len(values), dtype=np.int64))
        record += len(values)
        yield chunk, text.body(text.join([',"', index, '":', values]))


def write_day(ctx: GenerationContext, plan: FilePlan) -> dict:
    """Write (remove, or truncate) one day's JSON file; returns its truth."""
    key = SOCIAL_MEDIA_KEY.format(date=plan.day.isoformat())
    columns = header(plan)
    counts: Counter = Counter()
    if plan.status == "missing":
        remove_object(ctx.root, key)
        return tally.file_truth(plan, key, columns, counts, kinds.mess_names(ENTITY))
    builders = [(name, COLUMNS[name]) for name in columns if name in COLUMNS]
    if plan.drift:
        builders.append(_DRIFT)
    with open_object(ctx.root, key) as out:
        if plan.status == "truncated":
            # Cut inside the first column: the file cannot be parsed, and the day's extract fails.
            _, items = next(_column_items(ctx, plan, builders[0][1]))
            out.write(
                b'{"' + builders[0][0].encode() + b'":{' + items[1 : max(2, len(items) // 2)].to_pybytes()
            )
            return tally.file_truth(plan, key, columns, counts, kinds.mess_names(ENTITY))
        for position, (name, build) in enumerate(builders):
            out.write(("{" if position == 0 else "},").encode() + b'"' + name.encode() + b'":{')
            last = position == len(builders) - 1
            for number, (chunk, items) in enumerate(_column_items(ctx, plan, build)):
                out.write(items[1:] if number == 0 else items)  # no comma before a column's first item
                if position == 0:
                    tally.add(counts, chunk.tally())
                if last:
                    ctx.report(f"{ENTITY} {plan.day}", chunk.records)
        out.write(b"}}")
    return tally.file_truth(plan, key, columns, counts, kinds.mess_names(ENTITY))
