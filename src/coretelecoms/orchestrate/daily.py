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
from coretelecoms.orchestrate.pods import RUN_DATE, TARGET
from coretelecoms.pipeline.steps import STEPS, Step, in_dependency_order

YESTERDAY = "yesterday"
TIMEZONE = "timezone"
# The day before the scheduled time: a CronWorkflow's run carries it as `workflow.scheduledTime`, an RFC 3339
# instant formatted in the *controller's* zone (robfig/cron returns it there), so it is converted to the
# business zone - the cron's own, passed as the `timezone` parameter - before the calendar day is taken.
# A manual run falls back to its creation time. AddDate(0, 0, -1), not Add(-24h): across a DST change a
# day is 23 or 25 hours. expr's builtins (date, timezone) and Go's time methods; `workflow.creationTimestamp`
# is a map in expressions (it has .Y, .m, … children), hence .RFC3339.
_SCHEDULED = "'scheduledTime' in workflow ? workflow.scheduledTime : workflow.creationTimestamp.RFC3339"
RUN_DATE_EXPR = (
    f"{{{{=workflow.parameters['{RUN_DATE}'] == '{YESTERDAY}'"
    f" ? date({_SCHEDULED}).In(timezone(workflow.parameters['{TIMEZONE}'])).AddDate(0, 0, -1).Format('2006-01-02')"
    f" : workflow.parameters['{RUN_DATE}']}}}}"
)
# The oldest Argo Workflows whose schema has every field the manifests use: retryStrategy.backoff.cap
# (3.7), synchronization.mutexes and CronWorkflow schedules (3.6). tests/workflows checks it against them.
ARGO_FLOOR = "3.7.0"

DAY = "day"  # the DAG of every per-date step (extracts, load); the backfill fans it out over dates
NOTIFY = "notify-slack"
CHECK_TARGET = "check-target"
ALLOWED = "allowed"
EXIT_HANDLER = "exit-handler"
# Argo deletes finished workflows after these (the cron keeps its own history on top).
TTL = m.TTLStrategy(seconds_after_success=7 * 86400, seconds_after_failure=14 * 86400)
# A succeeded pod goes at once (a backfill would otherwise keep hundreds until the TTL); a failed one stays
# until its workflow is deleted, so its logs and events can be read.
POD_GC = m.PodGC(strategy="OnPodSuccess")


def run_date_parameter() -> Parameter:
    return Parameter(
        name=RUN_DATE,
        value=YESTERDAY,
        description=(
            "Ingest date to process, YYYY-MM-DD. 'yesterday' (the default) is the day before the scheduled "
            "time of a cron run, or before the submission time of a manual one, in the zone `timezone`."
        ),
    )


def timezone_parameter(config: WorkflowConfig) -> Parameter:
    return Parameter(
        name=TIMEZONE,
        value=config.timezone,
        description="IANA zone whose calendar 'yesterday' is reckoned in: the CronWorkflow's timezone.",
    )


def target_parameter(config: WorkflowConfig) -> Parameter:
    """The warehouse parameter: its default is what a run that does not choose - every cron run - uses;
    its enum lists what this cluster allows (duckdb only with a shared state volume)."""
    return Parameter(
        name=TARGET,
        value=config.default_target,
        enum=list(config.targets),
        description=(
            "Warehouse the load and dbt steps use (CORETELECOMS_WAREHOUSE). snowflake in production; "
            "duckdb only where every pod shares a state volume (a dev cluster)."
        ),
    )


def check_target_container(config: WorkflowConfig):
    """Refuses a target this cluster does not allow before any step runs.

    The enum alone does not stop it: Argo drops a template's enum when a run overrides the parameter
    (`argo submit -p target=duckdb`), and DuckDB without a shared volume gives each pod its own empty file.
    The allowed list is an input's default, so the chart sets it by name.
    """
    container = pods.utility_container(
        CHECK_TARGET,
        ["workflows", "check-target", "--target", f"{{{{inputs.parameters.{TARGET}}}}}",
         "--allowed", f"{{{{inputs.parameters.{ALLOWED}}}}}"],
        [TARGET],
        config,
    )  # fmt: skip
    container.inputs.append(Parameter(name=ALLOWED, default=",".join(config.targets)))
    return container


def check_target_task(template) -> Task:
    """The guard's task (inside an open DAG); skipped, without a pod, for production's snowflake."""
    kwargs = {"template_ref": template} if isinstance(template, m.TemplateRef) else {"template": template}
    return Task(
        name=CHECK_TARGET,
        when=f"'{{{{workflow.parameters.{TARGET}}}}}' != '{TARGETS[0]}'",
        arguments=[Parameter(name=TARGET, value=f"{{{{workflow.parameters.{TARGET}}}}}")],
        **kwargs,
    )


def flag_parameters(steps: tuple[Step, ...] = STEPS) -> list[Parameter]:
    """One "true"/"false" parameter per flag of the registry's steps - the options `coretelecoms run` has."""
    flags = dict.fromkeys(flag for step in steps for flag in step.flags)
    return [
        Parameter(
            name=flag.name,
            value="false",
            enum=["false", "true"],
            description=f"{flag.help} true switches it on (default false).",
        )
        for flag in flags
    ]


def flag_values(steps: tuple[Step, ...] = STEPS) -> dict[str, str]:
    """Each flag parameter passed on as it is (to the once-steps' tasks)."""
    names = dict.fromkeys(flag.name for step in steps for flag in step.flags)
    return {name: f"{{{{workflow.parameters.{name}}}}}" for name in names}


def split_steps(steps: tuple[Step, ...] = STEPS) -> tuple[list[Step], list[Step]]:
    """The registry's steps in dependency order: those run per date, then those run once over everything."""
    ordered = in_dependency_order(steps)
    per_date = [s for s in ordered if s.per_date]
    once = [s for s in ordered if not s.per_date]
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
        deps = deps or [CHECK_TARGET]  # never before the guard
        kwargs = {"template_ref": template} if isinstance(template, m.TemplateRef) else {"template": template}
        Task(
            name=step.name,
            depends=_depends(deps),
            arguments=_arguments(pods.step_inputs(step), values),
            **kwargs,
        )


def notify_container(config: WorkflowConfig):
    """The Slack alert: `coretelecoms workflows notify`, given the workflow's status and failed nodes.

    Whether a missing webhook is an error is the cluster's setting CORETELECOMS_ALERTS_REQUIRED (the
    chart's coretelecoms-env ConfigMap), read by the command: the manifest is the same everywhere.
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
        ],
        ["status", "failures", "context"],
        config,
        env=[pods.slack_webhook_env()],
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
            "workflows.argoproj.io/version": f">= {ARGO_FLOOR}",
        },
    }


def pipeline_template(
    config: WorkflowConfig,
    name: str,
    description: str,
    *,
    pipeline: str,
    dates: list[Parameter],
    steps: tuple[Step, ...],
    deadline_seconds: int,
) -> WorkflowTemplate:
    """What the daily and backfill templates share around their own date parameters and DAG: the target
    and step-flag parameters, exit handler, identity, volumes, deadline and garbage collection.

    Both mount the same volumes: the backfill runs the daily template's step templates (templateRef),
    which mount the volumes of the workflow that runs them.
    """
    return WorkflowTemplate(
        name=name,
        **metadata(config, name, description),
        entrypoint="main",
        arguments=[*dates, target_parameter(config), *flag_parameters(steps)],
        on_exit=EXIT_HANDLER,
        service_account_name=config.workflow_service_account,
        security_context=pods.pod_security_context(),
        volumes=pods.state_volumes(config),
        active_deadline_seconds=deadline_seconds,
        ttl_strategy=TTL,
        pod_gc=POD_GC,
        workflow_metadata=m.WorkflowMetadata(labels={PIPELINE_LABEL: pipeline}),
    )


def build_daily(config: WorkflowConfig | None = None, steps: tuple[Step, ...] = STEPS) -> WorkflowTemplate:
    """The daily WorkflowTemplate, built from the step registry."""
    config = config or WorkflowConfig()
    per_date, once = split_steps(steps)
    with pipeline_template(
        config,
        DAILY,
        "Core Telecoms daily pipeline: the five extractors in parallel, then load, then dbt build.",
        pipeline="daily",
        dates=[run_date_parameter(), timezone_parameter(config)],
        steps=steps,
        # A stuck run must end before the next day's (the cron forbids overlapping runs).
        deadline_seconds=6 * 3600,
    ) as template:
        containers = {s.name: pods.step_container(s, config) for s in [*per_date, *once]}
        notify = notify_container(config)
        check = check_target_container(config)
        day_dag(per_date, containers)
        with DAG(name="main"):
            check_target_task(check)
            Task(
                name=DAY,
                template=DAY,
                depends=CHECK_TARGET,
                arguments=[
                    Parameter(name=RUN_DATE, value=RUN_DATE_EXPR),
                    Parameter(name=TARGET, value=f"{{{{workflow.parameters.{TARGET}}}}}"),
                ],
            )
            once_tasks(
                per_date,
                once,
                containers,
                {TARGET: f"{{{{workflow.parameters.{TARGET}}}}}", **flag_values(steps)},
            )
        exit_handler(f"run-date {RUN_DATE_EXPR}, target {{{{workflow.parameters.{TARGET}}}}}", notify)
    return template
