"""The `coretelecoms report` and `coretelecoms docs` commands (click only; the work is imported when they run)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write [default: <home>/report/index.html].",
)
@click.pass_context
def report(ctx: click.Context, out: Path | None) -> None:
    """Write the Customer-Success report: one self-contained HTML page over the marts (opens offline)."""
    from coretelecoms.report import default_report_path, write_report

    settings = ctx.find_root().obj["settings"]
    path = write_report(settings, out or default_report_path(settings))
    click.echo(f"report: {path}")


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder of the site [default: <home>/docs].",
)
@click.option(
    "--static/--no-static",
    default=True,
    show_default=True,
    help="Also write static_index.html, a single file that opens from disk.",
)
@click.pass_context
def docs(ctx: click.Context, out: Path | None, static: bool) -> None:
    """Build dbt's documentation site (models, tests, lineage graph) offline and say where it is."""
    from coretelecoms.report.docs import build_docs

    page = build_docs(ctx.find_root().obj["settings"], out, static=static)
    click.echo(f"docs: {page}")
