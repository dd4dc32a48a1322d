"""The container templates: one per registry step, plus the exit handler and date listing, all hardened alike.

What a step runs (image, CLI arguments, order) comes from the step registry; what this module adds is how
its pod runs on the cluster: identity, secrets, resources, deadlines, retries and the security context.
"""

from __future__ import annotations

from dataclasses import dataclass

from hera.workflows import (
    ConfigMapEnvFrom,
    Container,
    Env,
    Parameter,
    Resources,
    RetryPolicy,
    RetryStrategy,
    SecretEnv,
)
from hera.workflows import models as m

from coretelecoms.orchestrate.config import SLACK_SECRET, SLACK_WEBHOOK_KEY, WorkflowConfig
from coretelecoms.orchestrate.credentials import credentials, writes_warehouse
from coretelecoms.pipeline.steps import Shape, Step

# A numeric id, so the kubelet can check runAsNonRoot without reading /etc/passwd; the images use it too.
RUN_AS = 10001
# The writable places in a pod (the root filesystem is read-only). /tmp: scratch space, dbt artifacts, the
# summary file; HOME points here too, for libraries that write caches under ~. STATE_MOUNT: every step's
# CORETELECOMS_HOME, the workflow-level volume `state` - a claim all steps share, or each pod's own emptyDir.
TMP = "/tmp"
STATE = "state"
STATE_MOUNT = "/var/lib/coretelecoms"
IMAGE_LABEL = "coretelecoms.io/image"
SUMMARY_PATH = f"{TMP}/summary.json"

# Parameter names shared by the workflow, the DAGs and the container templates.
RUN_DATE = "run-date"
TARGET = "target"


@dataclass(frozen=True)
class PodShape:
    """Resources and deadline of a pod."""

    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str
    deadline_seconds: int


# What each of the registry's size classes (Step.shape) means on the cluster. Sized from TOOLCHAIN.md's
# measurements (≤ 1 GB peak RSS for the extract and load paths at 5 M rows) with headroom; dbt gets the
# longest deadline because a full refresh rebuilds every mart.
SHAPES: dict[Shape, PodShape] = {
    Shape.SMALL: PodShape("100m", "256Mi", "500m", "1Gi", 1800),
    Shape.MEDIUM: PodShape("250m", "512Mi", "1", "2Gi", 3600),
    Shape.LARGE: PodShape("500m", "1Gi", "2", "4Gi", 7200),
}
UTILITY_SHAPE = PodShape("50m", "128Mi", "250m", "256Mi", 300)


# Exit code 2 is a usage error (click's, and the CLI's for a bad date or range): a retry cannot fix it.
# Argo's lastRetry.exitCode is a string.
NOT_A_USAGE_ERROR = "lastRetry.exitCode != '2'"


def retry_strategy() -> RetryStrategy:
    """Up to three retries, 30 s, 1 min, 2 min apart (capped at 5 min).

    No maxDuration: Argo counts it from the first attempt's start and kills later attempts at it, which
    would cut short a retry of a long extract; each attempt has its own deadline instead.

    Exit code 2 is a usage error (a bad date, an unknown entity): retrying cannot fix it. Everything else
    - a source not yet delivered, a throttled API, an evicted pod (exit code -1) - may heal, so it is retried.
    """
    return RetryStrategy(
        limit=3,
        retry_policy=RetryPolicy.always,
        expression=NOT_A_USAGE_ERROR,
        backoff=m.Backoff(duration="30s", factor=m.IntOrString(2), cap="5m"),
    )


def _identity() -> dict:
    """Who every container runs as, and its seccomp profile: the same at pod and container level."""
    return {
        "run_as_non_root": True,
        "run_as_user": RUN_AS,
        "run_as_group": RUN_AS,
        "seccomp_profile": m.SeccompProfile(type="RuntimeDefault"),
    }


def container_security_context() -> m.SecurityContext:
    """Kubernetes' `restricted` Pod Security Standard, plus a read-only root filesystem."""
    return m.SecurityContext(
        **_identity(),
        read_only_root_filesystem=True,
        allow_privilege_escalation=False,
        capabilities=m.Capabilities(drop=["ALL"]),
    )


def pod_security_context() -> m.PodSecurityContext:
    """Pod-level defaults, which Argo's own init and wait containers inherit."""
    return m.PodSecurityContext(**_identity(), fs_group=RUN_AS)


def _resources(shape: PodShape) -> Resources:
    return Resources(
        cpu_request=shape.cpu_request,
        memory_request=shape.memory_request,
        cpu_limit=shape.cpu_limit,
        memory_limit=shape.memory_limit,
    )


def _env_from(config: WorkflowConfig, image: str | None) -> list[ConfigMapEnvFrom]:
    sources = [ConfigMapEnvFrom(name=config.env_config_map, optional=False)]
    if image:
        sources.append(ConfigMapEnvFrom(name=f"{config.env_config_map}-{image}", optional=True))
    return sources


def state_volumes(config: WorkflowConfig) -> list[m.Volume]:
    """The workflow-level volumes, the one place where clusters differ in storage: `state` is the shared
    claim when configured, else an emptyDir (each pod its own, like `tmp`)."""
    if config.state_claim:
        state = m.Volume(
            name=STATE,
            persistent_volume_claim=m.PersistentVolumeClaimVolumeSource(claim_name=config.state_claim),
        )
    else:
        state = m.Volume(name=STATE, empty_dir=m.EmptyDirVolumeSource())
    return [m.Volume(name="tmp", empty_dir=m.EmptyDirVolumeSource()), state]


def _mounts(state: bool) -> list[m.VolumeMount]:
    mounts = [m.VolumeMount(name="tmp", mount_path=TMP)]
    return [*mounts, m.VolumeMount(name=STATE, mount_path=STATE_MOUNT)] if state else mounts


def _home_env() -> list[Env]:
    return [Env(name="HOME", value=TMP), Env(name="CORETELECOMS_HOME", value=STATE_MOUNT)]


def warehouse_mutex() -> m.Synchronization:
    """One lock per warehouse across every workflow of the namespace: DuckDB allows a single writer, and
    two builds of the same marts (a backfill beside the cron run) must not interleave on Snowflake either."""
    return m.Synchronization(
        mutexes=[m.Mutex(name=f"coretelecoms-warehouse-{{{{inputs.parameters.{TARGET}}}}}")]
    )


def step_inputs(step: Step) -> list[str]:
    """The input parameters a step's template declares."""
    names = [RUN_DATE] if step.per_date else []
    names.append(TARGET)
    names += [flag.name for flag in step.flags]
    return names


def step_container(step: Step, config: WorkflowConfig) -> Container:
    """The container template of one registry step: the registry's arguments, run by the `coretelecoms` CLI."""
    shape = SHAPES[step.shape]
    args = step.argv(f"{{{{inputs.parameters.{RUN_DATE}}}}}")
    outputs = None
    if step.emits_summary:
        # The CLI writes its --json summary to the file Argo reads back as the output parameter; "null"
        # when the step failed before writing it, so the node keeps the step's own error message.
        args += ["--summary-file", "{{outputs.parameters.summary.path}}"]
        outputs = [
            Parameter(
                name="summary",
                description=f"the --json summary of {step.name}",
                value_from=m.ValueFrom(path=SUMMARY_PATH, default="null"),
            )
        ]
    env = _home_env()
    secret_volumes, secret_env = credentials(step)
    env += [
        Env(name="CORETELECOMS_WAREHOUSE", value=f"{{{{inputs.parameters.{TARGET}}}}}"),
        # The lineage run id stamped on every row is the Argo workflow's name: one id per run, all steps.
        Env(name="CORETELECOMS_RUN_ID", value="{{workflow.name}}"),
    ]
    # A flag reaches the container as its variable, the default of the step command's --NAME option.
    env += [Env(name=flag.env, value=f"{{{{inputs.parameters.{flag.name}}}}}") for flag in step.flags]
    return Container(
        name=step.name,
        image=config.image(step.image),
        command=["coretelecoms"],
        args=args,
        inputs=[Parameter(name=name) for name in step_inputs(step)],
        outputs=outputs,
        env=env + secret_env,
        env_from=_env_from(config, step.image),
        volumes=secret_volumes or None,
        volume_mounts=_mounts(state=True),
        resources=_resources(shape),
        security_context=container_security_context(),
        service_account_name=config.service_account(step.image),
        active_deadline_seconds=shape.deadline_seconds,
        retry_strategy=retry_strategy(),
        # A failed step's last log line - the CLI's one-line `error: …` - becomes the node's message,
        # which the Argo UI and the Slack alert show.
        termination_message_policy="FallbackToLogsOnError",
        # The image label is what the chart keys image references and service accounts on.
        labels={"coretelecoms.io/step": step.name, IMAGE_LABEL: step.image},
        synchronization=warehouse_mutex() if writes_warehouse(step) else None,
    )


def utility_container(
    name: str, args: list[str], inputs: list[str], config: WorkflowConfig, env: list | None = None
) -> Container:
    """A small housekeeping pod (no AWS role, no data access) running the CLI of the utility image."""
    return Container(
        name=name,
        image=config.image(config.utility_image),
        command=["coretelecoms"],
        args=args,
        inputs=[Parameter(name=n) for n in inputs],
        env=[
            Env(name="HOME", value=TMP),
            Env(name="CORETELECOMS_HOME", value=f"{TMP}/coretelecoms"),
            *(env or []),
        ],
        env_from=_env_from(config, None),
        volume_mounts=_mounts(state=False),
        resources=_resources(UTILITY_SHAPE),
        security_context=container_security_context(),
        active_deadline_seconds=UTILITY_SHAPE.deadline_seconds,
        retry_strategy=RetryStrategy(
            limit=2,
            retry_policy=RetryPolicy.always,
            expression=NOT_A_USAGE_ERROR,
            backoff=m.Backoff(duration="10s", factor=m.IntOrString(2), max_duration="2m"),
        ),
        termination_message_policy="FallbackToLogsOnError",
        labels={IMAGE_LABEL: config.utility_image},
    )


def slack_webhook_env() -> SecretEnv:
    """The webhook, by reference, optional: the pod always starts, and the command decides whether a
    missing webhook is an error (CORETELECOMS_ALERTS_REQUIRED from the ConfigMap) - one clear line in the
    exit handler's log instead of a pod stuck waiting for a secret."""
    return SecretEnv(
        name="CORETELECOMS_SLACK_WEBHOOK_URL",
        secret_name=SLACK_SECRET,
        secret_key=SLACK_WEBHOOK_KEY,
        optional=True,
    )
