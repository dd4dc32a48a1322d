"""`coretelecoms run` and `coretelecoms demo`: the whole pipeline in-process, through the step registry."""

from __future__ import annotations

import json
from datetime import date, timedelta

import click

from coretelecoms.cli.options import ISO_DATE, run_id_of, settings_of
from coretelecoms.pipeline.steps import FLAGS


def flag_options(fn):
    """One --NAME option per registry flag: `run` accepts what the Argo workflow accepts."""
    for flag in reversed(FLAGS):
        fn = click.option(flag.option, flag.keyword, is_flag=True, help=flag.help)(fn)
    return fn


def switched_on(options: dict[str, bool]) -> frozenset[str]:
    return frozenset(flag.name for flag in FLAGS if options.get(flag.keyword))


@click.command()
@click.option("--date", "day", type=ISO_DATE, help="One date (default: yesterday).")
@click.option("--start", type=ISO_DATE, help="First date of a range (with --end).")
@click.option("--end", type=ISO_DATE, help="Last date of a range, inclusive.")
@flag_options
@click.option("--json", "as_json", is_flag=True, help="Print every step's summary as JSON lines.")
@click.pass_context
def run(
    ctx: click.Context, day: date | None, start: date | None, end: date | None, as_json: bool, **flags
) -> None:
    """Run the whole pipeline in-process (extract all, load, per date; then transform once) for a date or a range."""
    from coretelecoms.pipeline.runner import date_range, run_pipeline

    if day and (start or end):
        raise click.UsageError("give either --date or --start/--end")
    if bool(start) != bool(end):
        raise click.UsageError("--start and --end go together")
    try:
        days = date_range(start, end) if start else [day or date.today() - timedelta(days=1)]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    report = run_pipeline(days, settings_of(ctx), run_id=run_id_of(ctx), flags=switched_on(flags))
    for outcome in report.outcomes:
        if as_json:
            click.echo(json.dumps({"step": outcome.step.name, "date": outcome.day and outcome.day.isoformat(),
                                   "seconds": round(outcome.seconds, 2), "summary": json.loads(outcome.summary.to_json())}))  # fmt: skip
        else:
            when = outcome.day.isoformat() if outcome.day else "all dates"
            click.echo(f"{when:<10}  {outcome.step.name:<24} {outcome.seconds:6.1f}s")


@click.command()
@click.option(
    "--start", type=ISO_DATE, default=date(2025, 11, 20), show_default=True, help="First day of sample data."
)
@click.option("--days", type=click.IntRange(1, 31), default=3, show_default=True)
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True)
@click.pass_context
def demo(ctx: click.Context, start: date, days: int, scale: float) -> None:
    """Generate sample sources and run the whole pipeline on the embedded defaults, then summarise."""
    from coretelecoms.cli.sources import sources_generate
    from coretelecoms.demo import summarise
    from coretelecoms.pipeline.runner import date_range, run_pipeline

    ctx.invoke(
        sources_generate, start=start, days=days, scale=scale, seed=42, mess=(), clean=False,
        missing_day=(), truncated_day=(), as_json=False,
    )  # fmt: skip
    settings = settings_of(ctx)
    report = run_pipeline(
        date_range(start, start + timedelta(days=days - 1)), settings, run_id=run_id_of(ctx)
    )
    click.echo(summarise(report, settings))
