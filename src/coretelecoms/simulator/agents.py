"""Agents: the stand-in for the `CORETELECOMMS AGENTS` Google Sheet, as `.xlsx` (first worksheet) or `.csv`.

The workbook is written byte-for-byte reproducibly: openpyxl stamps the save time into
`docProps/core.xml` and every zip entry, so both are pinned after saving.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np

from coretelecoms.simulator import geography, kinds, tally, vocab
from coretelecoms.simulator.bucket import staged_file
from coretelecoms.simulator.context import GenerationContext
from coretelecoms.simulator.draws import Stream
from coretelecoms.simulator.kinds import Kind
from coretelecoms.simulator.plan import static_plan

ENTITY = "agents"
HEADER = ["iD", "NamE", "experience", "state"]
WORKSHEET = (
    "Sheet1"  # a new Google Sheet's first worksheet; the extractor reads the first one, whatever its name
)
PINNED_TIME = datetime(2025, 11, 1)  # naive on purpose: openpyxl stores document times as naive UTC
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def _rows(ctx: GenerationContext, counts: Counter) -> Iterator[list]:
    """Sheet rows as Python values: `iD` an int, or a string / blank for the quarantined kinds."""
    seed, rates, population = ctx.config.seed, ctx.config.rates, ctx.population

    def stream(label: str) -> Stream:
        return Stream(seed, ENTITY, label)

    for lo, hi in ctx.ranges(population.n_agents):
        k = np.arange(lo, hi, dtype=np.uint64)
        kind = population.agent_kinds(k)
        valid = ~kinds.quarantined(kind)
        copies = 1 + (stream("duplicate").uniform(k) < rates.duplicate).astype(np.int64)
        ids = population.agent_ids(k).tolist()
        first = stream("first").below(k, len(vocab.FIRST_NAMES)).tolist()
        last = stream("last").below(k, len(vocab.LAST_NAMES)).tolist()
        # The real sheet writes `intern`, `Junior`, `Mid-level`, `Senior`, the case varying now and then.
        recased = stream("experience-case").uniform(k) < rates.stray_whitespace_case
        form = np.where(recased, 1 + stream("experience-form").below(k, vocab.N_EXPERIENCE_FORMS - 1), 0)
        level = stream("experience").weighted(k, vocab.EXPERIENCE_WEIGHTS)
        experience = (level * vocab.N_EXPERIENCE_FORMS + form).tolist()
        # A full state name; now and then one that maps to no state at all.
        unknown = stream("unknown-state").uniform(k) < rates.unknown_state
        state = np.where(
            unknown,
            stream("unknown-state-name").below(k, len(geography.UNKNOWN_STATE_NAMES)),
            stream("state").below(k, len(geography.STATE_NAMES)),
        ).tolist()
        bad_form = stream("bad-id-form").below(k, len(vocab.BAD_AGENT_ID_FORMS)).tolist()
        empty_form = stream("empty-form").below(k, len(vocab.EMPTY_IDS)).tolist()
        for i in range(len(k)):
            agent_id: int | str | None = ids[i]
            if kind[i] == Kind.BAD_AGENT_ID:
                agent_id = vocab.BAD_AGENT_ID_FORMS[bad_form[i]].format(id=ids[i])
            elif kind[i] == Kind.EMPTY_ID:
                agent_id = vocab.EMPTY_IDS[empty_form[i]] or None  # an empty cell, or a blank one
            row = [
                agent_id,
                f"{vocab.FIRST_NAMES[first[i]]} {vocab.LAST_NAMES[last[i]]}",
                vocab.EXPERIENCE_TABLE[experience[i]],
                (geography.UNKNOWN_STATE_NAMES if unknown[i] else geography.STATE_NAMES)[state[i]],
            ]
            for _ in range(copies[i]):
                yield row
        chunk_counts = {
            "rows": int(copies.sum()),
            "expected_quarantined": int(copies[~valid].sum()),
            "distinct_ids": int(valid.sum()),
            "mess.duplicate": int((copies - 1).sum()),
            "mess.unknown_state": int((valid & unknown).sum()),
            "mess.stray_whitespace_case": int((valid & recased).sum()),
        }
        for band_kind, _ in population.agent_bands:
            chunk_counts[f"mess.{kinds.name(ENTITY, band_kind)}"] = int((kind == band_kind).sum())
        tally.add(counts, chunk_counts)
        ctx.report(ENTITY, int(copies.sum()))


def _write_xlsx(path: Path, rows: Iterator[list]) -> None:
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(WORKSHEET)
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.properties.creator = "coretelecoms sources"
    workbook.properties.created = PINNED_TIME
    saved = io.BytesIO()
    workbook.save(saved)
    # Saving stamps "now" into the properties and the zip entries; rewrite both with pinned times.
    workbook.properties.modified = PINNED_TIME
    core = tostring(workbook.properties.to_tree())
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            pinned = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = 0o600 << 16
            target.writestr(pinned, core if entry.filename == "docProps/core.xml" else source.read(entry))


def _write_csv(path: Path, rows: Iterator[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def write(ctx: GenerationContext) -> dict:
    """Write the agents sheet stand-in (`.csv` when the path says so, else `.xlsx`); returns its truth."""
    path = Path(ctx.config.agents_path)
    counts: Counter = Counter()
    rows = _rows(ctx, counts)
    with staged_file(path) as partial:  # published whole: a killed run never leaves half a workbook
        if path.suffix.lower() == ".csv":
            _write_csv(partial, rows)
        else:
            _write_xlsx(partial, rows)
    return tally.file_truth(
        static_plan(ctx.config, ENTITY), path.name, HEADER, counts, kinds.mess_names(ENTITY)
    )
