"""What every writer needs for one generation run: the configuration, the population, the bucket and the progress hook."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from coretelecoms.lake.filesystem import Location
from coretelecoms.simulator.complaints import ComplaintChunk
from coretelecoms.simulator.config import GenerateConfig, MessRates
from coretelecoms.simulator.people import Population
from coretelecoms.simulator.plan import FilePlan, chunk_ranges
from coretelecoms.simulator.webform_layout import column_type

GenerationProgress = Callable[[str, int], None]


@dataclass(frozen=True)
class GenerationContext:
    """One simulator run's shared state."""

    config: GenerateConfig
    population: Population
    root: Location  # the bucket root
    progress: GenerationProgress | None = None

    def report(self, label: str, rows: int) -> None:
        """Tell the progress hook that `rows` more records of `label` were written."""
        if self.progress is not None:
            self.progress(label, rows)

    def ranges(self, rows: int) -> list[tuple[int, int]]:
        """The chunks a file of `rows` base records is generated in."""
        return chunk_ranges(rows, self.config.chunk_rows)

    def rates_for(self, entity: str) -> MessRates:
        """The record mess an entity's layout can carry: a typed web-form column cannot hold a bad value."""
        rates = self.config.rates
        if entity != "web-forms":
            return rates
        types = self.config.web_form_types
        if column_type(types, "agent ID") != "text":
            rates = replace(rates, bad_agent_id=0.0)
        if column_type(types, "request_date") != "text":
            rates = replace(rates, bad_timestamp=0.0)
        return rates

    def complaint_chunk(self, plan: FilePlan, lo: int, hi: int) -> ComplaintChunk:
        """Base records lo..hi of a daily entity's day."""
        return ComplaintChunk(self.config.seed, self.rates_for(plan.entity), self.population, plan, lo, hi)
