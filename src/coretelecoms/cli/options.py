"""What the commands share: the settings read at the entry, the run id, summary output (dates: common.params)."""

from __future__ import annotations

from pathlib import Path

import click

SUMMARY_FILE = click.option(
    "--summary-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON summary to this file (an Argo output parameter).",
)


def settings_of(ctx: click.Context):
    """The Settings read once at the CLI entry."""
    return ctx.find_root().obj["settings"]


def run_id_of(ctx: click.Context) -> str:
    """The lineage run id: the configured one (the orchestrator's run name), else one per CLI invocation."""
    from coretelecoms.pipeline.tasks import new_run_id

    root = ctx.find_root()
    if "run_id" not in root.obj:
        root.obj["run_id"] = settings_of(ctx).run_id or new_run_id()
    return root.obj["run_id"]


def emit(summary: object, as_json: bool, summary_file: Path | None = None) -> None:
    """Print the summary (--json) and/or write it where an orchestrator picks it up (--summary-file)."""
    if as_json:
        click.echo(summary.to_json())
    if summary_file:
        summary_file.parent.mkdir(parents=True, exist_ok=True)
        summary_file.write_text(summary.to_json() + "\n")
