"""The pipeline's step commands - extract, load, transform - each a thin wrapper over its typed step function."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import click

from coretelecoms.cli.options import SUMMARY_FILE, emit, run_id_of, settings_of
from coretelecoms.common.entities import ENTITIES
from coretelecoms.common.params import ISO_DATE
from coretelecoms.pipeline import tasks
from coretelecoms.pipeline.steps import FULL_REFRESH, find_step

log = logging.getLogger("coretelecoms")


@click.command()
@click.argument("entity", type=click.Choice(list(ENTITIES)))
@click.option(
    "--date", "day", type=ISO_DATE, required=True, help="The ingest date (which daily file/table to read)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the reconciliation summary as JSON.")
@click.option(
    "--accept-shrink", is_flag=True, help="Accept a snapshot far smaller than the last one (deliberate)."
)
@SUMMARY_FILE
@click.pass_context
def extract(
    ctx: click.Context, entity: str, day: date, as_json: bool, accept_shrink: bool, summary_file: Path | None
):
    """Extract ENTITY's source for --date into the lake (raw/ and quarantine/), atomically.

    The summary reconciles: rows_read = rows_written + rows_quarantined.
    """
    from coretelecoms.terminal import describe, row_progress

    settings = settings_of(ctx)
    with row_progress(f"extract {entity} {day}") as rows_done:
        summary = tasks.extract(
            entity, day, settings, run_id=run_id_of(ctx), rows_done=rows_done, accept_shrink=accept_shrink
        )
    log.info(describe(summary))
    emit(summary, as_json, summary_file)
    return summary


@click.command()
@click.option("--date", "day", type=ISO_DATE, required=True, help="The ingest date to load.")
@click.option("--json", "as_json", is_flag=True, help="Print the load summary as JSON.")
@SUMMARY_FILE
@click.pass_context
def load(ctx: click.Context, day: date, as_json: bool, summary_file: Path | None):
    """Load --date's lake partitions into the warehouse's RAW tables (a re-load replaces, never duplicates)."""
    from coretelecoms.terminal import describe

    summary = tasks.load(day, settings_of(ctx))
    log.info(describe(summary))
    emit(summary, as_json, summary_file)
    return summary


@click.command()
@click.option(FULL_REFRESH.option, FULL_REFRESH.keyword, is_flag=True, envvar=FULL_REFRESH.env,
              help=f"{FULL_REFRESH.help} [env {FULL_REFRESH.env}]")  # fmt: skip
@click.option("--select", default=None, help="dbt node selection (default: everything).")
@click.option(
    "--target", default=None, help="dbt target (default: follows CORETELECOMS_WAREHOUSE: local or snowflake)."
)
@click.option("--verbose", "-v", is_flag=True, help="In a terminal, show every dbt node (not only problems).")
@click.option("--json", "as_json", is_flag=True, help="Print the build summary as JSON.")
@SUMMARY_FILE
@click.pass_context
def transform(
    ctx: click.Context, full_refresh: bool, select: str | None, target: str | None, verbose: bool,
    as_json: bool, summary_file: Path | None,
):  # fmt: skip
    """Run `dbt build` (staging → intermediate → marts, with tests) on the configured warehouse."""
    from coretelecoms.terminal import describe

    settings = settings_of(ctx)

    def build(run: tasks.StepRun):
        return tasks.transform(settings, full_refresh=full_refresh, select=select, target=target,
                               dbt_events=run.dbt_events)  # fmt: skip

    run = tasks.StepRun(settings=settings, run_id=run_id_of(ctx))
    if ctx.find_root().obj.get("terminal") and not verbose:  # one live line, then the outcome
        from coretelecoms.live_lines import watch_one

        result = watch_one(find_step("transform"), run, build)
    else:  # dbt's node lines (JSON in a pod), then the outcome as a log line
        result = build(run)
        log.info(describe(result))
    emit(result, as_json, summary_file)
    return result
