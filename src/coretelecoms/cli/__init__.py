"""The `coretelecoms` command line: every pipeline step, the local runner, the demo and the simulator.

Each command lives in its own module; this one holds the group, the registration point (one
`cli.add_command(...)` line per command, at the bottom) and the console entry point.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from pathlib import Path

import click

from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.common.redact import redact

log = logging.getLogger("coretelecoms")


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
    from coretelecoms.settings import Settings
    from coretelecoms.terminal import human_output, setup_logging

    setup_logging(log_level, log_format)
    overrides = {
        "home": home,
        "source_url": source_url,
        "agents_sheet": agents_sheet,
        "lake_url": lake_url,
        "warehouse": warehouse,
    }
    ctx.ensure_object(dict)
    ctx.obj.setdefault("terminal", human_output(log_format))
    if "settings" not in ctx.obj:
        try:
            ctx.obj["settings"] = Settings(**{k: v for k, v in overrides.items() if v is not None})
        except ValueError as exc:
            raise click.UsageError(f"invalid configuration: {exc}") from exc


# ---------------------------------------------------------------- registration: one line per command
# Imports are click-only and cheap: each command imports its heavy libraries when it runs.
from coretelecoms.cli.run import demo, run  # noqa: E402
from coretelecoms.cli.sources import sources  # noqa: E402
from coretelecoms.cli.step_commands import extract, load, transform  # noqa: E402
from coretelecoms.orchestrate.commands import workflows  # noqa: E402 - Argo libraries load lazily

cli.add_command(sources)
cli.add_command(extract)
cli.add_command(load)
cli.add_command(transform)
cli.add_command(run)
cli.add_command(demo)
cli.add_command(workflows)
from coretelecoms.report.commands import docs, report  # noqa: E402 - click only; dbt and drivers load lazily

cli.add_command(report)
cli.add_command(docs)
# ----------------------------------------------------------------


def _say(message: object) -> None:
    """An error line on stderr, with every secret masked: the last line of defence (11.8)."""
    click.echo(redact(message), err=True)


def main() -> None:
    """Console entry point: one-line errors, exit 1 for a failed step, exit 2 for bad usage."""
    # Everything the pipeline writes locally (lake, quarantine with its PII, warehouse) is its owner's only.
    os.umask(0o077)
    try:
        cli.main(standalone_mode=False, prog_name="coretelecoms")
    except click.exceptions.Abort:
        _say("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        shown = io.StringIO()
        exc.show(file=shown)
        _say(shown.getvalue().rstrip("\n"))
        sys.exit(exc.exit_code)
    except PipelineError as exc:
        _say(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        _say("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug or an environment problem: still one line, details at DEBUG
        log.debug("unexpected failure", exc_info=True)
        from coretelecoms.lake.filesystem import s3_failure

        if line := s3_failure(exc):  # any S3 error, from any step: one line naming bucket and key
            _say(f"error: {line}")
            sys.exit(1)
        _say(
            f"error: unexpected {type(exc).__name__}: {first_line(exc)} (re-run with --log-level DEBUG for details)"
        )
        sys.exit(1)
    sys.exit(0)
