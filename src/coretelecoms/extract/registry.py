"""One entry point for every entity: pick the source system's extractor and run it for a date."""

from __future__ import annotations

from coretelecoms.common.entities import AGENTS, ENTITIES, WEB_FORMS
from coretelecoms.common.errors import PipelineError
from coretelecoms.common.postgres import postgres_dsn
from coretelecoms.extract.engine import ExtractSummary, Progress, RunContext
from coretelecoms.settings import Settings


def extract(
    entity_name: str, settings: Settings, ctx: RunContext, progress: Progress | None = None
) -> ExtractSummary:
    """Extract one entity's source for ctx.day into the lake."""
    entity = ENTITIES.get(entity_name)
    if entity is None:
        raise PipelineError(f"unknown entity {entity_name!r}; expected one of {', '.join(ENTITIES)}")
    if entity is WEB_FORMS:
        from coretelecoms.extract.postgres import extract_web_forms

        with postgres_dsn(settings.dsn, settings.embedded_postgres_dir) as dsn:
            return extract_web_forms(dsn, ctx, progress)
    if entity is AGENTS:
        from coretelecoms.extract.sheets import extract_agents

        return extract_agents(settings.agents_sheet, ctx, progress, settings.google_credentials)
    from coretelecoms.extract.files import extract_file

    return extract_file(entity, settings.source_url, ctx, progress)
