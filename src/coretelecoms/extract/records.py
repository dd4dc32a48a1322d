"""What a source hands the engine: a delivery of raw string batches with their locations, and rejected records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Reject:
    """A record that could not even be split into fields (e.g. a CSV row with the wrong field count)."""

    location: str
    raw: str
    reason: str
    kind: str = ""  # the reason without its particulars (counted in the manifest); the reason when empty


@dataclass
class RawChunk:
    """A slice of a source: string columns under their raw headers, each row's location, and rejects.

    A row's location is `"<row_label> <number>"`: the number comes from `row_numbers` when given
    (e.g. physical CSV lines, which multi-line values make irregular), else it counts from `first_row`.
    Locations are only rendered for the rare rows that need one.
    """

    batch: pa.RecordBatch
    row_label: str = "row"
    first_row: int = 1
    row_numbers: np.ndarray | None = None
    rejects: list[Reject] = field(default_factory=list)

    def locations(self) -> pa.Array:
        """Every row's location at once, as an Arrow string array."""
        n = self.batch.num_rows
        numbers = (
            self.row_numbers
            if self.row_numbers is not None
            else np.arange(self.first_row, self.first_row + n)
        )
        return pc.binary_join_element_wise(
            pa.repeat(pa.scalar(self.row_label), n), pc.cast(pa.array(numbers, pa.int64()), pa.string()), " "
        )

    def location(self, i: int) -> str:
        number = int(self.row_numbers[i]) if self.row_numbers is not None else self.first_row + i
        return f"{self.row_label} {number}"


@dataclass
class Delivery:
    """One day's delivery of one source, opened: where it came from, its header as delivered, its chunks."""

    source: str  # file URL or schema.table, as lineage and messages name it
    headers: list[str]
    chunks: Iterable[RawChunk]
