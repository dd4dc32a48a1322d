"""The `workflows` commands the workflow's own pods run: the Slack exit handler, the backfill's date list and
the target guard. Click only: they run in the smallest step image, which has neither hera nor kubernetes."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from coretelecoms.common.errors import PipelineError
from coretelecoms.common.params import ISO_DATE

# Longer ranges are almost certainly a typo (a wrong year); split a real one into several backfills.
MAX_BACKFILL_DAYS = 366


@click.command()
@click.option("--workflow", required=True, help="Workflow name ({{workflow.name}}).")
@click.option("--namespace", required=True, help="Its namespace ({{workflow.namespace}}).")
@click.option("--status", required=True, help="Succeeded, Failed or Error ({{workflow.status}}).")
@click.option(
    "--failures", default="[]", show_default=True, help="Argo's failed nodes ({{workflow.failures}})."
)
@click.option("--context", "context_line", default="", help="One line of run context (dates, target).")
@click.option("--dry-run", is_flag=True, help="Print the Slack payload instead of posting it.")
@click.option(
    "--webhook-required/--webhook-optional",
    "webhook_required",
    default=None,
    help="Without a webhook: fail (required, production) or log that no alert was sent and exit 0 "
    "(optional, a dev cluster without Slack) [env CORETELECOMS_ALERTS_REQUIRED, default required].",
)
def notify(workflow, namespace, status, failures, context_line, dry_run, webhook_required) -> None:
    """The exit handler: post a Slack alert naming the failed steps and linking the Argo UI.

    The webhook is CORETELECOMS_SLACK_WEBHOOK_URL (from a secret), the UI root CORETELECOMS_ARGO_UI_URL.
    """
    from coretelecoms.orchestrate.config import SLACK_SECRET, SLACK_WEBHOOK_KEY, NotifySettings
    from coretelecoms.orchestrate.notify import decode_failures, failed_steps, post, slack_payload

    try:
        settings = NotifySettings()
    except ValueError as exc:
        raise click.UsageError(f"invalid CORETELECOMS_* alert configuration: {exc}") from exc
    link = f"{settings.argo_ui_url.rstrip('/')}/workflows/{namespace}/{workflow}"
    payload = slack_payload(
        workflow=workflow,
        namespace=namespace,
        status=status,
        steps=failed_steps(decode_failures(failures), workflow),
        link=link,
        context=context_line,
    )
    if dry_run:
        click.echo(json.dumps(payload, indent=2))
        return
    required = settings.alerts_required if webhook_required is None else webhook_required
    if settings.slack_webhook_url is None:
        if required:
            raise PipelineError("CORETELECOMS_SLACK_WEBHOOK_URL is not set: cannot send the alert")
        # Alerts are optional on this cluster (CORETELECOMS_ALERTS_REQUIRED=false, e.g. kind): one line in
        # the pod's log, and the exit handler succeeds.
        click.echo(
            f"no Slack webhook configured (secret {SLACK_SECRET}, key {SLACK_WEBHOOK_KEY}): alert not sent",
            err=True,
        )
        return
    post(settings.slack_webhook_url.get_secret_value(), payload)
    click.echo(f"alert for {workflow} ({status}) sent to Slack", err=True)


def date_list(start: date, end: date) -> list[str]:
    """The ISO dates from start to end inclusive; a usage error for a reversed or oversized range."""
    from coretelecoms.pipeline.runner import date_range

    try:
        days = date_range(start, end)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if len(days) > MAX_BACKFILL_DAYS:
        raise click.UsageError(
            f"{start} to {end} is {len(days)} days; backfill at most {MAX_BACKFILL_DAYS} at a time"
        )
    return [d.isoformat() for d in days]


@click.command()
@click.option("--start", type=ISO_DATE, required=True, help="First date.")
@click.option("--end", type=ISO_DATE, required=True, help="Last date, inclusive.")
def dates(start: date, end: date) -> None:
    """Print the dates from --start to --end as a JSON list (the backfill's fan-out, read from stdout)."""
    click.echo(json.dumps(date_list(start, end)))
    sys.stdout.flush()


@click.command("check-target")
@click.option("--target", required=True, help="The run's target parameter ({{workflow.parameters.target}}).")
@click.option("--allowed", required=True, help="Comma-separated targets this cluster allows.")
def check_target(target: str, allowed: str) -> None:
    """Refuse a warehouse this cluster cannot run (exit 2, so Argo does not retry): the workflow's guard.

    DuckDB is one file every step must see; without a shared state volume each pod would get its own.
    """
    permitted = [t for t in allowed.split(",") if t]
    if target not in permitted:
        why = (
            " (it needs a state volume shared by every step; this cluster has none)"
            if target == "duckdb"
            else ""
        )
        raise click.UsageError(f"target {target!r} is not allowed here{why}; allowed: {', '.join(permitted)}")
    click.echo(f"target {target} allowed")
