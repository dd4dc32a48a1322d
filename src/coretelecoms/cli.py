"""The `coretelecoms` command line: every pipeline step, the local runner, the demo and the simulator."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import click

from coretelecoms.common.entities import ENTITIES
from coretelecoms.common.errors import PipelineError, first_line

log = logging.getLogger("coretelecoms")


class DateType(click.ParamType):
    """A calendar date as YYYY-MM-DD; anything else is a usage error (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"{value!r} is not a date in YYYY-MM-DD form", param, ctx)


DATE = DateType()


def _settings(ctx: click.Context):
    return ctx.find_root().obj["settings"]


def _emit(summary: object, as_json: bool, summary_file: Path | None = None) -> None:
    """Print the summary (--json) and/or write it where an orchestrator picks it up (--summary-file)."""
    if as_json:
        click.echo(summary.to_json())
    if summary_file:
        summary_file.parent.mkdir(parents=True, exist_ok=True)
        summary_file.write_text(summary.to_json() + "\n")


SUMMARY_FILE = click.option(
    "--summary-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON summary to this file (an Argo output parameter).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    help="Root of local state [env CORETELECOMS_HOME, default ./.coretelecoms].",
)
@click.option("--source-url", help="Source bucket root, s3://… or file://… [env CORETELECOMS_SOURCE_URL].")
@click.option(
    "--agents-sheet", help="Google Sheet id or .xlsx/.csv stand-in [env CORETELECOMS_AGENTS_SHEET]."
)
@click.option("--lake-url", help="Lake root, s3://… or file://… [env CORETELECOMS_LAKE_URL].")
@click.option(
    "--warehouse", type=click.Choice(["duckdb", "snowflake"]), help="Warehouse [env CORETELECOMS_WAREHOUSE]."
)
@click.option(
    "--log-level", default="INFO", show_default=True, type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"])
)
@click.option(
    "--log-format",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "text", "json"]),
    help="auto: readable in a terminal, JSON lines otherwise (pods).",
)
@click.version_option(package_name="coretelecoms")
@click.pass_context
def cli(
    ctx: click.Context, home, source_url, agents_sheet, lake_url, warehouse, log_level, log_format
) -> None:
    """Core Telecoms data platform: extract five sources into a Parquet lake, load the warehouse, build marts.

    With no configuration every step runs on embedded defaults under ./.coretelecoms: local folders
    for the source bucket and the lake, an embedded PostgreSQL, and DuckDB. Start with `coretelecoms demo`.
    """
    from coretelecoms.progress import setup_logging
    from coretelecoms.settings import Settings

    setup_logging(log_level, log_format)
    overrides = {
        "home": home,
        "source_url": source_url,
        "agents_sheet": agents_sheet,
        "lake_url": lake_url,
        "warehouse": warehouse,
    }
    ctx.ensure_object(dict)
    if "settings" not in ctx.obj:
        try:
            ctx.obj["settings"] = Settings(**{k: v for k, v in overrides.items() if v is not None})
        except ValueError as exc:
            raise click.UsageError(f"invalid configuration: {exc}") from exc


# ---------------------------------------------------------------- sources


@cli.group()
def sources() -> None:
    """The source simulator: Core Telecoms' five sources in their real, messy layouts."""


@sources.command("generate")
@click.option("--start", type=DATE, required=True, help="First day of daily data.")
@click.option("--days", type=click.IntRange(min=1), required=True, help="Number of daily files/tables.")
@click.option(
    "--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
    help="Volume multiplier; 1 ≈ the original (≈3,000 customers, 90 agents, ≈300 complaints/channel/day).",
)  # fmt: skip
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--mess",
    multiple=True,
    metavar="NAME=RATE",
    help="Override one mess rate, e.g. --mess duplicate=0.1 --mess schema_drift=false (see MessRates).",
)
@click.option("--clean", is_flag=True, help="No mess at all (then --mess adds back what you name).")
@click.option(
    "--missing-day",
    multiple=True,
    metavar="ENTITY=DATE",
    help="Deliver no file/table for that entity and day (its extract then fails).",
)
@click.option(
    "--truncated-day",
    multiple=True,
    metavar="social-media=DATE",
    help="Cut that day's social-media JSON short (its extract then fails).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the truth manifest as JSON.")
@click.pass_context
def sources_generate(
    ctx: click.Context, start: date, days: int, scale: float, seed: int, mess: tuple[str, ...], clean: bool,
    missing_day: tuple[str, ...], truncated_day: tuple[str, ...], as_json: bool,
) -> None:  # fmt: skip
    """Write all five sources (bucket files, agents sheet stand-in, web-form tables) plus a truth manifest."""
    from coretelecoms.common.postgres import postgres_dsn
    from coretelecoms.simulator import GenerateConfig, MessRates, entity_days, generate

    settings = _settings(ctx)
    try:
        rates = (MessRates.none() if clean else MessRates()).override(mess)
        missing, truncated = entity_days(missing_day), entity_days(truncated_day)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    with postgres_dsn(settings.dsn, settings.embedded_postgres_dir) as dsn:
        try:
            config = GenerateConfig(
                source_url=settings.source_url, agents_path=Path(settings.agents_sheet), postgres_dsn=dsn,
                start=start, days=days, scale=scale, seed=seed, rates=rates,
                missing_days=missing, truncated_days=truncated,
            )  # fmt: skip
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        manifest = generate(config)
    if as_json:
        click.echo(json.dumps(manifest))
    else:
        click.echo(f"sources for {start} + {days} day(s) at scale {scale} written to {settings.source_url}")


# ---------------------------------------------------------------- steps


@cli.command()
@click.argument("entity", type=click.Choice(list(ENTITIES)))
@click.option(
    "--date", "day", type=DATE, required=True, help="The ingest date (which daily file/table to read)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the reconciliation summary as JSON.")
@SUMMARY_FILE
@click.pass_context
def extract(ctx: click.Context, entity: str, day: date, as_json: bool, summary_file: Path | None) -> dict:
    """Extract ENTITY's source for --date into the lake (raw/ and quarantine/), atomically.

    The summary reconciles: rows_read = rows_written + rows_quarantined.
    """
    from coretelecoms.extract.engine import RunContext
    from coretelecoms.extract.registry import extract as run_extract
    from coretelecoms.lake.filesystem import locate
    from coretelecoms.progress import row_progress

    settings = _settings(ctx)
    run_ctx = RunContext(
        lake=locate(settings.lake_url),
        day=day,
        run_id=settings.run_id or _run_id(ctx),
        kms_key_id=settings.lake_kms_key_id,
    )
    with row_progress(f"extract {entity} {day}") as advance:
        summary = run_extract(entity, settings, run_ctx, advance)
    log.info(
        "extract %s %s: read %d, written %d, quarantined %d",
        entity,
        day,
        summary.rows_read,
        summary.rows_written,
        summary.rows_quarantined,
    )
    if summary.drift_columns:
        log.warning(
            "schema drift in %s: new column(s) %s kept in the drift report",
            summary.source,
            ", ".join(summary.drift_columns),
        )
    _emit(summary, as_json, summary_file)
    return json.loads(summary.to_json())


@cli.command()
@click.option("--date", "day", type=DATE, required=True, help="The ingest date to load.")
@click.option("--json", "as_json", is_flag=True, help="Print the load summary as JSON.")
@SUMMARY_FILE
@click.pass_context
def load(ctx: click.Context, day: date, as_json: bool, summary_file: Path | None) -> dict:
    """Load --date's lake partitions into the warehouse's RAW tables (a re-load replaces, never duplicates)."""
    from coretelecoms.load.registry import load as run_load

    summary = run_load(_settings(ctx), day)
    log.info("load %s: %d rows into %s", day, summary.rows_loaded, summary.warehouse)
    _emit(summary, as_json, summary_file)
    return json.loads(summary.to_json())


@cli.command()
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental models from scratch.")
@click.option("--select", default=None, help="dbt node selection (default: everything).")
@click.option(
    "--target", default=None, help="dbt target (default: follows CORETELECOMS_WAREHOUSE: local or snowflake)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the build summary as JSON.")
@SUMMARY_FILE
@click.pass_context
def transform(
    ctx: click.Context, full_refresh: bool, select: str | None, target: str | None, as_json: bool,
    summary_file: Path | None,
) -> dict:  # fmt: skip
    """Run `dbt build` (staging → intermediate → marts, with tests) on the configured warehouse."""
    import importlib.util

    if importlib.util.find_spec("dbt") is None:  # the extractor images ship without dbt
        raise PipelineError("dbt is not installed here (pip install 'coretelecoms[dbt]')")
    from coretelecoms.transform import dbt_build

    result = dbt_build(_settings(ctx), full_refresh=full_refresh, select=select, target=target)
    _emit(result, as_json, summary_file)
    return result.to_dict()


def _run_id(ctx: click.Context) -> str:
    root = ctx.find_root()
    root.obj.setdefault("run_id", datetime.now().strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:8])
    return root.obj["run_id"]


def _in_process_executor(ctx: click.Context):
    """Run a step's CLI arguments against this very CLI, sharing the settings already read."""

    def execute(argv: list[str]) -> dict | None:
        return cli.main(args=argv, standalone_mode=False, obj=ctx.find_root().obj)

    return execute


@cli.command()
@click.option("--date", "day", type=DATE, help="One date (default: yesterday).")
@click.option("--start", type=DATE, help="First date of a range (with --end).")
@click.option("--end", type=DATE, help="Last date of a range, inclusive.")
@click.option("--json", "as_json", is_flag=True, help="Print every step's summary as JSON.")
@click.pass_context
def run(ctx: click.Context, day: date | None, start: date | None, end: date | None, as_json: bool) -> None:
    """Run the whole pipeline in-process (extract all, load, transform) for a date or a range."""
    from coretelecoms.pipeline.runner import date_range, run_pipeline

    if day and (start or end):
        raise click.UsageError("give either --date or --start/--end")
    if bool(start) != bool(end):
        raise click.UsageError("--start and --end go together")
    try:
        days = date_range(start, end) if start else [day or date.today() - timedelta(days=1)]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    report = run_pipeline(days, _in_process_executor(ctx))
    if as_json:
        click.echo(json.dumps([vars(r) for r in report.results], default=str))
    else:
        for result in report.results:
            click.echo(f"{result.date}  {result.step:<24} {result.seconds:6.1f}s")


@cli.command()
@click.option(
    "--start", type=DATE, default=date(2025, 11, 20), show_default=True, help="First day of sample data."
)
@click.option("--days", type=click.IntRange(1, 31), default=3, show_default=True)
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True)
@click.pass_context
def demo(ctx: click.Context, start: date, days: int, scale: float) -> None:
    """Generate sample sources and run the whole pipeline on the embedded defaults, then summarise."""
    from coretelecoms.demo import summarise
    from coretelecoms.pipeline.runner import date_range, run_pipeline

    ctx.invoke(
        sources_generate, start=start, days=days, scale=scale, seed=42, mess=(), clean=False,
        missing_day=(), truncated_day=(), as_json=False,
    )  # fmt: skip
    report = run_pipeline(date_range(start, start + timedelta(days=days - 1)), _in_process_executor(ctx))
    click.echo(summarise(report, _settings(ctx)))


from coretelecoms.orchestrate.commands import workflows  # noqa: E402 - click only; Argo libraries load lazily

cli.add_command(workflows)


def main() -> None:
    """Console entry point: one-line errors, exit 1 for a failed step, exit 2 for bad usage."""
    try:
        cli.main(standalone_mode=False, prog_name="coretelecoms")
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PipelineError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug or an environment problem: still one line, details at DEBUG
        log.debug("unexpected failure", exc_info=True)
        click.echo(
            f"error: unexpected {type(exc).__name__}: {first_line(exc)} (re-run with --log-level DEBUG for details)",
            err=True,
        )
        sys.exit(1)
    sys.exit(0)
