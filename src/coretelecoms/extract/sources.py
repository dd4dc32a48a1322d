"""The five sources in one table keyed by entity, and the one entry point that runs any of them for a date.

Every source answers one protocol: `open_delivery(settings, day)` is a context manager yielding a
`Delivery` (source name, headers as delivered, raw chunks); the engine does everything else. A new
source is one module with one such function and one row here, and the contract suite
(tests/extract/test_source_contract.py) checks it. Modules are imported on use: each extractor image
ships only its own system's client libraries.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from coretelecoms.common.entities import AGENTS, CALL_LOGS, CUSTOMERS, ENTITIES, SOCIAL_MEDIA, WEB_FORMS
from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.engine import Limits, Progress, RunContext, extract_to_lake
from coretelecoms.extract.records import Delivery
from coretelecoms.extract.snapshots import publish_if_unchanged
from coretelecoms.lake.manifest import PartitionManifest, latest_manifest_before
from coretelecoms.settings import Settings


class OpenDelivery(Protocol):
    """What every source module provides: open the day's delivery (SourceMissingError when there is none)."""

    def __call__(self, settings: Settings, day: date) -> AbstractContextManager[Delivery]: ...


@dataclass(frozen=True)
class Source:
    """Where an entity's `open_delivery` lives, as `module:function`."""

    opener: str

    def open_delivery(self, settings: Settings, day: date) -> AbstractContextManager[Delivery]:
        module, _, function = self.opener.partition(":")
        opener: OpenDelivery = getattr(importlib.import_module(module), function)
        return opener(settings, day)


SOURCES: dict[str, Source] = {
    CUSTOMERS.name: Source("coretelecoms.extract.files:open_customers"),
    AGENTS.name: Source("coretelecoms.extract.sheets:open_agents"),
    CALL_LOGS.name: Source("coretelecoms.extract.files:open_call_logs"),
    SOCIAL_MEDIA.name: Source("coretelecoms.extract.files:open_social_media"),
    WEB_FORMS.name: Source("coretelecoms.extract.postgres:open_web_forms"),
}


def extract(
    entity_name: str, settings: Settings, ctx: RunContext, progress: Progress | None = None
) -> PartitionManifest:
    """Extract one entity's delivery for ctx.day into the lake; returns the published partition's manifest."""
    entity = ENTITIES.get(entity_name)
    if entity is None:
        raise PipelineError(f"unknown entity {entity_name!r}; expected one of {', '.join(ENTITIES)}")
    source = SOURCES[entity.name]
    previous = latest_manifest_before(ctx.lake, entity.name, ctx.day) if entity.snapshot else None
    if previous is not None and previous.fingerprint:  # most days a snapshot repeats: a cheap pass decides
        with source.open_delivery(settings, ctx.day) as delivery:
            repeated = publish_if_unchanged(entity, delivery, ctx, previous)
        if repeated is not None:
            return repeated
    with source.open_delivery(settings, ctx.day) as delivery:
        return extract_to_lake(entity, delivery, ctx, Limits.from_settings(settings), progress)
