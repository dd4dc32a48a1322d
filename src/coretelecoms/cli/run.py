"""`coretelecoms run` and `coretelecoms demo`: the whole pipeline in-process, through the step registry."""

from __future__ import annotations

import json
from datetime import date, timedelta

import click

from coretelecoms.cli.options import run_id_of, settings_of
from coretelecoms.common.params import ISO_DATE
from coretelecoms.pipeline.steps import FLAGS, STEPS


def flag_options(fn):
    """One --NAME option per registry flag: `run` accepts what the Argo workflow accepts."""
    for flag in reversed(FLAGS):
        fn = click.option(flag.option, flag.keyword, is_flag=True, help=flag.help)(fn)
    return fn


VERBOSE = click.option("--verbose", "-v", is_flag=True, help="Show every dbt node and every log line.")


def switched_on(options: dict[str, bool]) -> frozenset[str]:
    return frozenset(flag.name for flag in FLAGS if options.get(flag.keyword))


def _run(ctx: click.Context, days: list[date], flags: frozenset[str], verbose: bool):
    """Run the registry for `days`: live lines in a terminal, log lines otherwise."""
    from coretelecoms.pipeline.runner import run_pipeline

    settings = settings_of(ctx)
    if not ctx.find_root().obj.get("terminal"):
        return run_pipeline(days, settings, run_id=run_id_of(ctx), flags=flags)
    from coretelecoms.live_lines import LiveLines

    per_date = sum(1 for s in STEPS if s.per_date)
    with LiveLines(per_date * len(days) + len(STEPS) - per_date, verbose=verbose) as lines:
        return run_pipeline(days, settings, run_id=run_id_of(ctx), flags=flags, watcher=lines)


@click.command()
@click.option("--date", "day", type=ISO_DATE, help="One date (default: yesterday).")
@click.option("--start", type=ISO_DATE, help="First date of a range (with --end).")
@click.option("--end", type=ISO_DATE, help="Last date of a range, inclusive.")
@flag_options
@VERBOSE
@click.option("--json", "as_json", is_flag=True, help="Print every step's summary as JSON lines.")
@click.pass_context
def run(
    ctx: click.Context, day: date | None, start: date | None, end: date | None, verbose: bool, as_json: bool,
    **flags: bool,
) -> None:  # fmt: skip
    """Run the whole pipeline in-process: every extract and the load for each date, then transform once."""
    from coretelecoms.pipeline.runner import date_range

    if day and (start or end):
        raise click.UsageError("give either --date or --start/--end")
    if bool(start) != bool(end):
        raise click.UsageError("--start and --end go together")
    try:
        days = date_range(start, end) if start else [day or date.today() - timedelta(days=1)]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    report = _run(ctx, days, switched_on(flags), verbose)
    if as_json:
        for outcome in report.outcomes:
            record = {
                "step": outcome.step.name,
                "date": outcome.day.isoformat() if outcome.day else None,
                "seconds": round(outcome.seconds, 2),
                "summary": json.loads(outcome.summary.to_json()),
            }
            click.echo(json.dumps(record))


@click.command()
@click.option(
    "--start", type=ISO_DATE, default=date(2025, 11, 20), show_default=True, help="First day of sample data."
)
@click.option("--days", type=click.IntRange(1, 31), default=3, show_default=True)
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True)
@VERBOSE
@click.pass_context
def demo(ctx: click.Context, start: date, days: int, scale: float, verbose: bool) -> None:
    """Generate sample sources, run the whole pipeline on the embedded defaults, write the report, summarise."""
    from coretelecoms.cli.sources import sources_generate
    from coretelecoms.demo import summarise
    from coretelecoms.pipeline.runner import date_range

    # Every other option of `sources generate` keeps its default (click fills them in).
    ctx.invoke(sources_generate, start=start, days=days, scale=scale)
    settings = settings_of(ctx)
    report = _run(ctx, date_range(start, start + timedelta(days=days - 1)), frozenset(), verbose)
    click.echo(summarise(report, settings, report_page=_write_report(settings)))


def _write_report(settings):
    """The Customer-Success report page under the home (coretelecoms.report, issue 14.5)."""
    from coretelecoms.report import default_report_path, write_report

    return write_report(settings, default_report_path(settings))
