"""`coretelecoms workflows …`: render, apply and submit the Argo workflows (and the pods' own commands).

Importing this module is cheap (click only): the commands that run inside the workflow's own pods
(pod_commands: notify, dates, check-target) run in images that have neither hera nor kubernetes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from coretelecoms.common.errors import PipelineError
from coretelecoms.common.params import ISO_DATE
from coretelecoms.orchestrate.pod_commands import check_target, date_list, dates, notify


def _argo_settings():
    from coretelecoms.orchestrate.config import ArgoSettings

    try:
        return ArgoSettings()
    except ValueError as exc:
        raise click.UsageError(f"invalid CORETELECOMS_ARGO_* configuration: {exc}") from exc


@click.group("workflows")
def workflows() -> None:
    """Argo Workflows: the daily template, its cron and the backfill, built from the step registry.

    Connection settings come from CORETELECOMS_ARGO_NAMESPACE, CORETELECOMS_ARGO_UI_URL and the
    kubeconfig (or in-cluster credentials); image settings from CORETELECOMS_ARGO_IMAGE_REGISTRY,
    _IMAGE_PREFIX, _IMAGE_TAG. Flags override them.
    """


def _config(
    images,
    image_registry,
    image_prefix,
    image_tag,
    state_claim=None,
    default_target=None,
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
    try:
        return _argo_settings().workflow_config(
            image_registry=image_registry,
            image_prefix=image_prefix,
            image_tag=image_tag,
            images=pairs or None,
            state_claim=state_claim,
            default_target=default_target,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


# In the order --help lists them.
_IMAGE_OPTIONS = (
    click.option(
        "--image",
        "images",
        multiple=True,
        metavar="NAME=REF",
        help="Full reference of one image, e.g. loader=registry/coretelecoms-loader@sha256:… (repeatable).",
    ),
    click.option(
        "--image-registry", help="Registry of the step images [env CORETELECOMS_ARGO_IMAGE_REGISTRY]."
    ),
    click.option("--image-prefix", help="Image name prefix [env CORETELECOMS_ARGO_IMAGE_PREFIX]."),
    click.option("--image-tag", help="Tag of every step image [env CORETELECOMS_ARGO_IMAGE_TAG]."),
    click.option(
        "--state-claim",
        help="Claim mounted as every step's CORETELECOMS_HOME, shared by all steps (dev clusters) "
        "[env CORETELECOMS_ARGO_STATE_CLAIM].",
    ),
    click.option(
        "--default-target",
        type=click.Choice(["snowflake", "duckdb"]),
        help="The target parameter's default, i.e. the warehouse of cron runs; duckdb with --state-claim "
        "[env CORETELECOMS_ARGO_DEFAULT_TARGET, default snowflake].",
    ),
)


def _image_options(fn):
    """The image flags, turned into the WorkflowConfig that the command receives as `config`."""

    @functools.wraps(fn)
    def command(
        *args, images, image_registry, image_prefix, image_tag, state_claim, default_target, **kwargs
    ):
        config = _config(images, image_registry, image_prefix, image_tag, state_claim, default_target)
        return fn(*args, config=config, **kwargs)

    for option in reversed(_IMAGE_OPTIONS):
        command = option(command)
    return command


@workflows.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("charts/coretelecoms/workflows"),
    show_default=True,
    help="Directory for the manifests: the chart carries the committed copy (run from the repository root).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files in --out are stale.")
@_image_options
def render(out: Path, check: bool, config) -> None:
    """Write the WorkflowTemplates and the CronWorkflow as YAML, validated against Argo's schema."""
    from coretelecoms.orchestrate.render import manifests, stale, write

    rendered = manifests(config)
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
def apply(namespace, kubeconfig, context, config) -> None:
    """Create or update the templates and the cron on the cluster (templates first); unchanged objects are
    left alone. The chart installs the same objects for the same settings - use one or the other."""
    from coretelecoms.orchestrate.kube import apply_all, connect
    from coretelecoms.orchestrate.render import manifests

    api = connect(kubeconfig, context)
    for ref, result in apply_all(
        api, [m.body for m in manifests(config)], namespace or _argo_settings().namespace
    ):
        click.echo(f"{ref.kind.lower()}/{ref.name} {result}")


@workflows.command()
@click.option("--date", "day", type=ISO_DATE, help="Run date (default: the template's 'yesterday').")
@click.option("--start", type=ISO_DATE, help="First date of a backfill (with --end).")
@click.option("--end", type=ISO_DATE, help="Last date of a backfill, inclusive.")
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
        # The same checks the backfill's dates step makes, before submitting.
        date_list(start, end)
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


for _command in (notify, dates, check_target):
    workflows.add_command(_command)
