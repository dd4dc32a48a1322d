"""What every writer needs for one run: the configuration, the population, the bucket and the progress hook."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coretelecoms.lake.filesystem import Location
from coretelecoms.simulator.complaints import ComplaintChunk
from coretelecoms.simulator.config import GenerateConfig
from coretelecoms.simulator.people import Population
from coretelecoms.simulator.plan import FilePlan, chunk_ranges

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class RunContext:
    """One simulator run's shared state."""

    config: GenerateConfig
    population: Population
    root: Location  # the bucket root
    progress: Progress | None = None

    def report(self, label: str, rows: int) -> None:
        """Tell the progress hook that `rows` more records of `label` were written."""
        if self.progress is not None:
            self.progress(label, rows)

    def ranges(self, rows: int) -> list[tuple[int, int]]:
        """The chunks a file of `rows` base records is generated in."""
        return chunk_ranges(rows, self.config.chunk_rows)

    def complaint_chunk(self, plan: FilePlan, lo: int, hi: int) -> ComplaintChunk:
        """Base records lo..hi of a daily entity's day."""
        return ComplaintChunk(self.config.seed, self.config.rates, self.population, plan, lo, hi)
