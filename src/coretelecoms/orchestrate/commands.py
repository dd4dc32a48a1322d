"""`coretelecoms workflows …`: render, apply and submit the Argo workflows; the exit handler and date listing.

Importing this module is cheap (click only): `notify` and `dates` run in the base image, which has
neither hera nor kubernetes.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from coretelecoms.common.errors import PipelineError

DATE = click.DateTime(formats=["%Y-%m-%d"])
# Longer ranges are almost certainly a typo (a wrong year); split a real one into several backfills.
MAX_BACKFILL_DAYS = 366


def _argo_settings():
    from coretelecoms.orchestrate.config import ArgoSettings

    try:
        return ArgoSettings()
    except ValueError as exc:
        raise click.UsageError(f"invalid CORETELECOMS_ARGO_* configuration: {exc}") from exc


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@click.group("workflows")
def workflows() -> None:
    """Argo Workflows: the daily template, its cron and the backfill, built from the step registry.

    Connection settings come from CORETELECOMS_ARGO_NAMESPACE, CORETELECOMS_ARGO_UI_URL and the
    kubeconfig (or in-cluster credentials); image settings from CORETELECOMS_ARGO_IMAGE_REGISTRY,
    _IMAGE_PREFIX, _IMAGE_TAG. Flags override them.
    """


def _image_options(fn):
    fn = click.option(
        "--alerts-required/--alerts-optional",
        "alerts_required",
        default=None,
        help="Whether the exit handler needs the coretelecoms-slack secret; optional (a dev cluster without "
        "Slack) logs a skipped alert instead of failing [env CORETELECOMS_ARGO_ALERTS_REQUIRED, default required].",
    )(fn)
    fn = click.option(
        "--default-target",
        type=click.Choice(["snowflake", "duckdb"]),
        help="The target parameter's default, i.e. the warehouse of cron runs; duckdb with --state-claim "
        "[env CORETELECOMS_ARGO_DEFAULT_TARGET, default snowflake].",
    )(fn)
    fn = click.option(
        "--state-claim",
        help="ReadWriteMany claim mounted as every step's CORETELECOMS_HOME (dev clusters) "
        "[env CORETELECOMS_ARGO_STATE_CLAIM].",
    )(fn)
    fn = click.option("--image-tag", help="Tag of every step image [env CORETELECOMS_ARGO_IMAGE_TAG].")(fn)
    fn = click.option("--image-prefix", help="Image name prefix [env CORETELECOMS_ARGO_IMAGE_PREFIX].")(fn)
    fn = click.option(
        "--image-registry", help="Registry of the step images [env CORETELECOMS_ARGO_IMAGE_REGISTRY]."
    )(fn)
    fn = click.option(
        "--image",
        "images",
        multiple=True,
        metavar="NAME=REF",
        help="Full reference of one image, e.g. loader=registry/coretelecoms-loader@sha256:… (repeatable).",
    )(fn)
    return fn


def _config(
    images,
    image_registry,
    image_prefix,
    image_tag,
    state_claim=None,
    default_target=None,
    alerts_required=None,
):
    pairs = {}
    for item in images:
        name, sep, ref = item.partition("=")
        if not sep or not name or not ref:
            raise click.BadParameter(f"{item!r} is not NAME=REF", param_hint="--image")
        pairs[name] = ref
    from coretelecoms.pipeline.steps import IMAGES

    unknown = sorted(set(pairs) - set(IMAGES))
    if unknown:
        raise click.BadParameter(f"unknown image(s) {unknown}; known: {list(IMAGES)}", param_hint="--image")
    return _argo_settings().workflow_config(
        image_registry=image_registry,
        image_prefix=image_prefix,
        image_tag=image_tag,
        images=pairs or None,
        state_claim=state_claim,
        default_target=default_target,
        alerts_required=alerts_required,
    )


@workflows.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for the manifests (the committed copy is workflows/rendered).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files in --out are stale.")
@_image_options
def render(
    out: Path,
    check: bool,
    images,
    image_registry,
    image_prefix,
    image_tag,
    state_claim,
    default_target,
    alerts_required,
) -> None:
    """Write the WorkflowTemplates and the CronWorkflow as YAML, validated against Argo's schema."""
    from coretelecoms.orchestrate.render import manifests, stale, write

    rendered = manifests(
        _config(images, image_registry, image_prefix, image_tag, state_claim, default_target, alerts_required)
    )
    if check:
        diffs = stale(out, rendered)
        if diffs:
            click.echo("".join(diffs), err=True)
            raise PipelineError(
                f"{len(diffs)} manifest(s) in {out} are stale: run coretelecoms workflows render --out {out}"
            )
        click.echo(f"{len(rendered)} manifests in {out} are up to date")
        return
    for path in write(out, rendered):
        click.echo(str(path))


def _cluster_options(fn):
    fn = click.option("--context", help="kubeconfig context (default: the current one).")(fn)
    fn = click.option(
        "--kubeconfig",
        type=click.Path(dir_okay=False, path_type=Path),
        help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config, else in-cluster credentials).",
    )(fn)
    fn = click.option(
        "--namespace", "-n", help="Namespace [env CORETELECOMS_ARGO_NAMESPACE, default coretelecoms]."
    )(fn)
    return fn


@workflows.command()
@_cluster_options
@_image_options
def apply(
    namespace,
    kubeconfig,
    context,
    images,
    image_registry,
    image_prefix,
    image_tag,
    state_claim,
    default_target,
    alerts_required,
) -> None:
    """Create or update the templates and the cron on the cluster (templates first)."""
    from coretelecoms.orchestrate.kube import apply_all, connect
    from coretelecoms.orchestrate.render import manifests

    settings = _argo_settings()
    rendered = manifests(
        _config(images, image_registry, image_prefix, image_tag, state_claim, default_target, alerts_required)
    )
    api = connect(kubeconfig, context)
    for ref, result in apply_all(api, [m.body for m in rendered], namespace or settings.namespace):
        click.echo(f"{ref.kind.lower()}/{ref.name} {result}")


@workflows.command()
@click.option("--date", "day", type=DATE, help="Run date (default: the template's 'yesterday').")
@click.option("--start", type=DATE, help="First date of a backfill (with --end).")
@click.option("--end", type=DATE, help="Last date of a backfill, inclusive.")
@click.option(
    "--target",
    type=click.Choice(["snowflake", "duckdb"]),
    help="Warehouse (default: the template's default target, snowflake unless installed otherwise).",
)
@click.option("--full-refresh", is_flag=True, help="Rebuild dbt's incremental models from scratch.")
@click.option("--wait", "follow", is_flag=True, help="Follow the run to its end; exit 1 unless it succeeded.")
@click.option(
    "--poll", type=click.FloatRange(min=0.01), default=5.0, show_default=True, help="Seconds between polls."
)
@_cluster_options
def submit(day, start, end, target, full_refresh, follow, poll, namespace, kubeconfig, context) -> None:
    """Start coretelecoms-daily for --date (or coretelecoms-backfill for --start/--end); print its Argo UI link."""
    from coretelecoms.orchestrate.config import BACKFILL, DAILY
    from coretelecoms.orchestrate.kube import connect, wait
    from coretelecoms.orchestrate.kube import submit as create_workflow

    if day and (start or end):
        raise click.UsageError("give either --date or --start/--end")
    if bool(start) != bool(end):
        raise click.UsageError("--start and --end go together")
    parameters: dict[str, str] = {}
    if start:
        _dates(_day(start), _day(end))  # the same checks the backfill's first step makes, before submitting
        template = BACKFILL
        parameters |= {"start-date": f"{start:%Y-%m-%d}", "end-date": f"{end:%Y-%m-%d}"}
    else:
        template = DAILY
        if day:
            parameters["run-date"] = f"{day:%Y-%m-%d}"
    if target:
        parameters["target"] = target
    if full_refresh:
        parameters["full-refresh"] = "true"
    settings = _argo_settings()
    ns = namespace or settings.namespace
    api = connect(kubeconfig, context)
    name = create_workflow(api, ns, template, parameters, labels={"coretelecoms.io/trigger": "cli"})
    click.echo(f"submitted {name}")
    click.echo(settings.link(name, ns))
    if not follow:
        return
    outcome = wait(api, ns, name, poll_seconds=poll, echo=click.echo)
    if outcome.phase != "Succeeded":
        failed = f" (failed: {', '.join(outcome.failed)})" if outcome.failed else ""
        reason = f": {outcome.message}" if outcome.message else ""
        raise PipelineError(
            f"workflow {name} {outcome.phase.lower()}{reason}{failed} - {settings.link(name, ns)}"
        )


@workflows.command()
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
    default=True,
    show_default=True,
    help="Without a webhook: fail (required, production) or log that no alert was sent and exit 0 "
    "(optional, a dev cluster without Slack).",
)
def notify(workflow, namespace, status, failures, context_line, dry_run, webhook_required) -> None:
    """The exit handler: post a Slack alert naming the failed steps and linking the Argo UI.

    The webhook is CORETELECOMS_SLACK_WEBHOOK_URL (from a secret), the UI root CORETELECOMS_ARGO_UI_URL.
    """
    from coretelecoms.orchestrate.config import SLACK_SECRET, SLACK_WEBHOOK_KEY, NotifySettings
    from coretelecoms.orchestrate.notify import decode_failures, failed_steps, post, slack_payload

    settings = NotifySettings()
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
    if settings.slack_webhook_url is None:
        if webhook_required:
            raise PipelineError("CORETELECOMS_SLACK_WEBHOOK_URL is not set: cannot send the alert")
        # Alerts are optional here (the template says so when WorkflowConfig.alerts_required is false):
        # one line in the pod's log, and the exit handler succeeds.
        click.echo(
            f"no Slack webhook configured (secret {SLACK_SECRET}, key {SLACK_WEBHOOK_KEY}): alert not sent",
            err=True,
        )
        return
    post(settings.slack_webhook_url.get_secret_value(), payload)
    click.echo(f"alert for {workflow} ({status}) sent to Slack", err=True)


def _dates(start: date, end: date) -> list[str]:
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


@workflows.command()
@click.option("--start", type=DATE, required=True, help="First date.")
@click.option("--end", type=DATE, required=True, help="Last date, inclusive.")
def dates(start: datetime, end: datetime) -> None:
    """Print the dates from --start to --end as a JSON list (the backfill's fan-out, read from stdout)."""
    click.echo(json.dumps(_dates(start.date(), end.date())))
    sys.stdout.flush()
