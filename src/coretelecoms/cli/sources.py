"""`coretelecoms sources …`: the source simulator's command (its options belong to the simulator)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from coretelecoms.cli.options import settings_of
from coretelecoms.common.params import ISO_DATE


@click.group()
def sources() -> None:
    """The source simulator: Core Telecoms' five sources in their real, messy layouts."""


@sources.command("generate")
@click.option("--start", type=ISO_DATE, required=True, help="First day of daily data.")
@click.option("--days", type=click.IntRange(min=1), required=True, help="Number of daily files/tables.")
@click.option(
    "--scale", type=click.FloatRange(min=0, min_open=True),
    help="Volume multiplier [default 1: 5,000 customers, 760 calls, 140 web forms, 19 social a day; 100 agents].",
)  # fmt: skip
@click.option(
    "--volume", type=click.Choice(["real"]),
    help="The original volumes (2.5 M customers, 380 k calls, 70 k web forms, 9.5 k social a day); not with --scale.",
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
@click.option(
    "--web-form-table-case", type=click.Choice(["lower", "mixed"]), default="lower", show_default=True,
    help='lower: web_form_request_YYYY_MM_DD (the real table); mixed: a quoted "Web_form_request_…".',
)  # fmt: skip
@click.option(
    "--two-web-form-tables", "two_tables", multiple=True, type=ISO_DATE, metavar="DATE",
    help="Deliver that day's web-form table in both spellings (its extract then fails, naming both).",
)  # fmt: skip
@click.option(
    "--web-form-type", "web_form_type", multiple=True, metavar="COLUMN=TYPE",
    help="A web-form column of another type, e.g. 'agent ID=integer', 'request_date=timestamptz'.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the truth manifest as JSON.")
@click.pass_context
def sources_generate(
    ctx: click.Context, start: date, days: int, scale: float | None, volume: str | None, seed: int,
    mess: tuple[str, ...], clean: bool, missing_day: tuple[str, ...], truncated_day: tuple[str, ...],
    web_form_table_case: str, two_tables: tuple[date, ...], web_form_type: tuple[str, ...], as_json: bool,
) -> None:  # fmt: skip
    """Write all five sources (bucket files, agents sheet stand-in, web-form tables) plus a truth manifest."""
    from coretelecoms import simulator
    from coretelecoms.common.postgres import postgres_dsn

    settings = settings_of(ctx)
    try:
        scale = simulator.volume_scale(scale, volume)
        rates = (simulator.MessRates.none() if clean else simulator.MessRates()).override(mess)
        missing, truncated = simulator.entity_days(missing_day), simulator.entity_days(truncated_day)
        types = simulator.parse_web_form_types(web_form_type)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    with postgres_dsn(settings.dsn, settings.embedded_postgres_dir) as dsn:
        try:
            config = simulator.GenerateConfig(
                source_url=settings.source_url, agents_path=Path(settings.agents_sheet), postgres_dsn=dsn,
                start=start, days=days, scale=scale, seed=seed, rates=rates,
                missing_days=missing, truncated_days=truncated, web_form_table_case=web_form_table_case,
                two_table_days=set(two_tables), web_form_types=types,
            )  # fmt: skip
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        manifest = simulator.generate(config)
    if as_json:
        click.echo(json.dumps(manifest))
    else:
        click.echo(f"sources for {start} + {days} day(s) at scale {scale} written to {settings.source_url}")
