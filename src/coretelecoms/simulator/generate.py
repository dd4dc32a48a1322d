"""The simulator's entry point: write all five sources for a run of days and return the truth manifest."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

from coretelecoms.lake.filesystem import locate
from coretelecoms.simulator import agents, calllogs, customers, kinds, socialmedia, tally, webforms
from coretelecoms.simulator.bucket import open_object, sweep_partials, sweep_partials_of
from coretelecoms.simulator.config import GenerateConfig, MessRates, entity_days
from coretelecoms.simulator.context import GenerationContext, GenerationProgress
from coretelecoms.simulator.people import Population
from coretelecoms.simulator.plan import daily_plan
from coretelecoms.simulator.volumes import volume_scale
from coretelecoms.simulator.webform_layout import parse_types as parse_web_form_types

__all__ = [
    "MANIFEST_KEY",
    "GenerateConfig",
    "MessRates",
    "entity_days",
    "generate",
    "parse_web_form_types",
    "volume_scale",
]

log = logging.getLogger(__name__)

MANIFEST_KEY = "_truth/manifest.json"
MANIFEST_VERSION = 1
QUARANTINE_RULE = (
    "a record is quarantined iff it has the wrong number of CSV fields, or its id is empty or blank, or a "
    "non-empty timestamp (YYYY-MM-DD HH:MM:SS), date (YYYY-MM-DD) or integer value does not parse; "
    "an integer written as a float with a zero fraction (1035.0) is that integer"
)


def _daily(ctx: GenerationContext, entity: str, write_day) -> dict:
    days = {plan.day.isoformat(): write_day(ctx, plan) for plan in daily_plan(ctx.config, entity)}
    return {"totals": tally.entity_totals(days, kinds.mess_names(entity)), "days": days}


def _web_forms(ctx: GenerationContext) -> dict:
    import psycopg2

    connection = psycopg2.connect(ctx.config.postgres_dsn)
    try:
        return _daily(ctx, "web-forms", lambda c, plan: webforms.write_day(c, connection, plan))
    finally:
        connection.close()


def generate(config: GenerateConfig, progress: GenerationProgress | None = None) -> dict:
    """Write the five sources for `config` and return the truth manifest (also written to the bucket).

    Args:
        config: where, which days, how big and how messy.
        progress: called as `progress(label, rows)` after each chunk of `rows` records of `label`
            (e.g. `"call-logs 2025-11-20"`) has been written.

    Returns:
        The manifest: run parameters, then per entity the records delivered, the records the extractor
        must quarantine, the distinct ids it must keep and the count of every injected mess (per day and
        in total for the daily entities). See `tally.py` for the exact meaning of each count.
    """
    ctx = GenerationContext(
        config, Population(config.seed, config.scale, config.rates), locate(config.source_url), progress
    )
    if not ctx.root.is_s3:  # what a killed earlier run may have left half-written
        sweep_partials(Path(ctx.root.path))
    sweep_partials_of(Path(config.agents_path))
    entities = {
        "customers": customers.write(ctx),
        "agents": agents.write(ctx),
        "call-logs": _daily(ctx, "call-logs", calllogs.write_day),
        "social-media": _daily(ctx, "social-media", socialmedia.write_day),
    }
    if config.postgres_dsn:
        entities["web-forms"] = _web_forms(ctx)
    else:
        log.info("no PostgreSQL DSN: web forms not generated")
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "seed": config.seed,
        "scale": config.scale,
        "start": config.start.isoformat(),
        "days": config.days,
        "rates": asdict(config.rates),
        "web_forms": {
            "table_case": config.web_form_table_case,
            "two_table_days": sorted(d.isoformat() for d in config.two_table_days),
            "column_types": dict(config.web_form_types),
        },
        "quarantine_rule": QUARANTINE_RULE,
        "entities": entities,
    }
    with open_object(ctx.root, MANIFEST_KEY) as out:
        out.write((json.dumps(manifest, indent=2) + "\n").encode())
    return manifest
