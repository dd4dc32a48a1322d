"""The `coretelecoms-daily` WorkflowTemplate: the registry's steps as an Argo DAG for one run date."""

from __future__ import annotations

from hera.workflows import DAG, Parameter, Task, WorkflowTemplate
from hera.workflows import models as m

from coretelecoms.orchestrate import pods
from coretelecoms.orchestrate.config import (
    DAILY,
    PART_OF,
    PIPELINE_LABEL,
    TARGETS,
    VERSION_LABEL,
    WorkflowConfig,
)
from coretelecoms.orchestrate.pods import FULL_REFRESH, RUN_DATE, TARGET
from coretelecoms.pipeline.steps import STEPS, Step, in_dependency_order

YESTERDAY = "yesterday"
# The day before the scheduled time: a CronWorkflow's run carries it as `workflow.scheduledTime` (RFC 3339
# in the cron's timezone, so the date is that zone's); a manual run falls back to its creation time (UTC).
# Argo's expression language (expr) builtins `date`/`duration`, not sprig's date helpers, which Argo 3.7
# deprecated. `workflow.creationTimestamp` is a map in expressions (it has .Y, .m, … children), hence .RFC3339.
_SCHEDULED = "'scheduledTime' in workflow ? workflow.scheduledTime : workflow.creationTimestamp.RFC3339"
RUN_DATE_EXPR = (
    f"{{{{=workflow.parameters['{RUN_DATE}'] == '{YESTERDAY}'"
    f" ? date({_SCHEDULED}).Add(duration('-24h')).Format('2006-01-02')"
    f" : workflow.parameters['{RUN_DATE}']}}}}"
)

DAY = "day"  # the DAG of every per-date step (extracts, load); the backfill fans it out over dates
NOTIFY = "notify-slack"
EXIT_HANDLER = "exit-handler"
# Argo deletes finished workflows after these (the cron keeps its own history on top).
TTL = m.TTLStrategy(seconds_after_success=7 * 86400, seconds_after_failure=14 * 86400)


def run_date_parameter() -> Parameter:
    return Parameter(
        name=RUN_DATE,
        value=YESTERDAY,
        description=(
            "Ingest date to process, YYYY-MM-DD. 'yesterday' (the default) is the day before the scheduled "
            "time of a cron run, or before the submission time (UTC) of a manual one."
        ),
    )


def target_parameter(default: str = TARGETS[0]) -> Parameter:
    """The warehouse parameter; its default (WorkflowConfig.default_target) is what a run that does not
    choose - every cron run - uses."""
    return Parameter(
        name=TARGET,
        value=default,
        enum=list(TARGETS),
        description=(
            "Warehouse the load and dbt steps use (CORETELECOMS_WAREHOUSE). snowflake in production; "
            "duckdb only where every pod shares a state volume (a dev cluster)."
        ),
    )


def full_refresh_parameter() -> Parameter:
    return Parameter(
        name=FULL_REFRESH,
        value="false",
        enum=["false", "true"],
        description=(
            "true rebuilds dbt's incremental models (fct_complaints) from scratch; "
            "false adds only what was loaded since the last build."
        ),
    )


def split_steps(steps: tuple[Step, ...] = STEPS) -> tuple[list[Step], list[Step]]:
    """The registry's steps in dependency order: those run per date, then those run once over everything."""
    ordered = in_dependency_order(steps)
    per_date = [s for s in ordered if pods.takes_date(s)]
    once = [s for s in ordered if not pods.takes_date(s)]
    once_names = {s.name for s in once}
    for step in per_date:
        if once_names & set(step.depends):
            # A per-date step cannot wait for a step that runs once after all dates.
            raise ValueError(f"per-date step {step.name!r} depends on a date-less step")
    return per_date, once


def _depends(names: list[str]) -> str | None:
    return " && ".join(names) or None


def _arguments(names: list[str], values: dict[str, str]) -> list[Parameter]:
    return [Parameter(name=name, value=values[name]) for name in names]


def day_dag(per_date: list[Step], containers: dict) -> DAG:
    """The per-date DAG: extractors in parallel, then what depends on them (load)."""
    with DAG(name=DAY, inputs=[Parameter(name=RUN_DATE), Parameter(name=TARGET)]) as dag:
        names = {s.name for s in per_date}
        for step in per_date:
            Task(
                name=step.name,
                template=containers[step.name],
                depends=_depends([d for d in step.depends if d in names]),
                arguments=_arguments(
                    pods.step_inputs(step),
                    {
                        RUN_DATE: f"{{{{inputs.parameters.{RUN_DATE}}}}}",
                        TARGET: f"{{{{inputs.parameters.{TARGET}}}}}",
                    },
                ),
            )
    return dag


def once_tasks(per_date: list[Step], once: list[Step], templates: dict, values: dict[str, str]) -> None:
    """Tasks for the date-less steps (dbt), after the per-date work they depend on (inside an open DAG)."""
    per_date_names = {s.name for s in per_date}
    for step in once:
        deps = [DAY] if per_date_names & set(step.depends) else []
        deps += [d for d in step.depends if d not in per_date_names]
        template = templates[step.name]
        kwargs = {"template_ref": template} if isinstance(template, m.TemplateRef) else {"template": template}
        Task(
            name=step.name,
            depends=_depends(deps),
            arguments=_arguments(pods.step_inputs(step), values),
            **kwargs,
        )


def notify_container(config: WorkflowConfig):
    """The Slack alert: `coretelecoms workflows notify`, given the workflow's status and failed nodes.

    Whether the webhook may be missing is said twice, on purpose: the secret reference is optional (so
    the pod starts without the secret) and the command is told --webhook-optional (so it logs the skipped
    alert and succeeds). Required, the secret reference is mandatory and the command fails without it.
    """
    return pods.utility_container(
        NOTIFY,
        [
            "workflows", "notify",
            "--workflow", "{{workflow.name}}",
            "--namespace", "{{workflow.namespace}}",
            "--status", "{{inputs.parameters.status}}",
            "--failures", "{{inputs.parameters.failures}}",
            "--context", "{{inputs.parameters.context}}",
            "--webhook-required" if config.alerts_required else "--webhook-optional",
        ],
        ["status", "failures", "context"],
        config,
        env=[pods.slack_webhook_env(required=config.alerts_required)],
    )  # fmt: skip


def exit_handler(context: str, notify) -> DAG:
    """The onExit DAG: alert only when the run did not succeed (Failed or Error)."""
    kwargs = {"template_ref": notify} if isinstance(notify, m.TemplateRef) else {"template": notify}
    with DAG(name=EXIT_HANDLER) as dag:
        Task(
            name=NOTIFY,
            when="{{workflow.status}} != Succeeded",
            arguments=[
                Parameter(name="status", value="{{workflow.status}}"),
                Parameter(name="failures", value="{{workflow.failures}}"),
                Parameter(name="context", value=context),
            ],
            **kwargs,
        )
    return dag


def metadata(config: WorkflowConfig, component: str, description: str) -> dict:
    return {
        "labels": {
            "app.kubernetes.io/name": component,
            "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/component": "pipeline",
            VERSION_LABEL: config.version,
        },
        "annotations": {
            "workflows.argoproj.io/description": description,
            # `schedules` and expr's date builtins need 3.6; the models Hera renders with are 4.0's.
            "workflows.argoproj.io/version": ">= 3.6.0",
        },
    }


def build_daily(config: WorkflowConfig | None = None, steps: tuple[Step, ...] = STEPS) -> WorkflowTemplate:
    """The daily WorkflowTemplate, built from the step registry."""
    config = config or WorkflowConfig()
    per_date, once = split_steps(steps)
    with WorkflowTemplate(
        name=DAILY,
        **metadata(
            config,
            DAILY,
            "Core Telecoms daily pipeline: the five extractors in parallel, then load, then dbt build.",
        ),
        entrypoint="main",
        arguments=[run_date_parameter(), target_parameter(config.default_target), full_refresh_parameter()],
        on_exit=EXIT_HANDLER,
        service_account_name=config.workflow_service_account,
        security_context=pods.pod_security_context(),
        # A stuck run must end before the next day's (the cron forbids overlapping runs).
        active_deadline_seconds=6 * 3600,
        ttl_strategy=TTL,
        workflow_metadata=m.WorkflowMetadata(labels={PIPELINE_LABEL: "daily"}),
    ) as template:
        containers = {s.name: pods.step_container(s, config) for s in [*per_date, *once]}
        notify = notify_container(config)
        day_dag(per_date, containers)
        with DAG(name="main"):
            Task(
                name=DAY,
                template=DAY,
                arguments=[
                    Parameter(name=RUN_DATE, value=RUN_DATE_EXPR),
                    Parameter(name=TARGET, value=f"{{{{workflow.parameters.{TARGET}}}}}"),
                ],
            )
            once_tasks(
                per_date,
                once,
                containers,
                {
                    TARGET: f"{{{{workflow.parameters.{TARGET}}}}}",
                    FULL_REFRESH: f"{{{{workflow.parameters.{FULL_REFRESH}}}}}",
                },
            )
        exit_handler(f"run-date {RUN_DATE_EXPR}, target {{{{workflow.parameters.{TARGET}}}}}", notify)
    return template
