"""`coretelecoms sources …`: the source simulator's command (its options belong to the simulator)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from coretelecoms.cli.options import ISO_DATE, settings_of

@click.group()
def sources() -> None:
    """The source simulator: Core Telecoms' five sources in their real, messy layouts."""


@sources.command("generate")
@click.option("--start", type=ISO_DATE, required=True, help="First day of daily data.")
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

    settings = settings_of(ctx)
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
