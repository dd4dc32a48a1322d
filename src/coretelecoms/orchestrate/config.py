"""What the workflows are rendered with (images, schedule, cluster object names) and the Argo CLI settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from coretelecoms import __version__

DAILY = "coretelecoms-daily"
BACKFILL = "coretelecoms-backfill"
CRON = "coretelecoms-daily"  # a CronWorkflow is a different kind, so it may share the template's name

# The warehouses a run can load into and build (the `target` parameter's enum), production's first.
TARGETS = ("snowflake", "duckdb")
# The failure alert's webhook: a secret the chart references (docs/workflows.md lists it). Here rather than
# in pods.py so that `workflows notify`, which runs without hera, can name it.
SLACK_SECRET = "coretelecoms-slack"  # noqa: S105 - a Secret's name, not a credential
SLACK_WEBHOOK_KEY = "webhook-url"

# Labels every manifest carries; the version label is how a cluster tells which release a template is.
PART_OF = "coretelecoms"
VERSION_LABEL = "app.kubernetes.io/version"
PIPELINE_LABEL = "coretelecoms.io/pipeline"


@dataclass(frozen=True)
class WorkflowConfig:
    """Everything the rendered manifests depend on besides the step registry.

    The defaults are what the committed YAML under `charts/coretelecoms/workflows/` is rendered with; the
    chart substitutes its values for exactly these fields (templates/workflows.yaml), nothing else.
    """

    image_registry: str = ""
    image_prefix: str = "coretelecoms-"
    image_tag: str = __version__
    # Full image references by registry image name (e.g. {"loader": "ecr/…/loader@sha256:…"}); wins over the above.
    images: Mapping[str, str] = field(default_factory=dict)
    # Pod identity per image: Pulumi creates one IRSA role per image, trusted by the service account of
    # the same name (pulumi/config.py), so the default is the image name.
    service_accounts: Mapping[str, str] = field(default_factory=dict)
    # Pods that are not pipeline steps (exit handler, date listing) need no AWS role, only Argo's
    # executor permissions.
    workflow_service_account: str = "coretelecoms-workflow"
    # The non-secret environment of every pod (CORETELECOMS_SOURCE_URL, …, SNOWFLAKE_ACCOUNT): Pulumi's
    # `pipeline_env` output, installed by the chart. `<name>-<image>` (optional) adds per-image values
    # such as SNOWFLAKE_USER / SNOWFLAKE_ROLE, which differ between the loader and dbt.
    env_config_map: str = "coretelecoms-env"
    # The image whose CLI runs the exit handler and the backfill's date listing: the smallest one.
    utility_image: str = "extract-files"
    schedule: str = "0 3 * * *"
    # The cron's zone, and the zone whose calendar "yesterday" is reckoned in (the run-date expression).
    timezone: str = "UTC"
    backfill_parallelism: int = 3
    # A claim mounted as CORETELECOMS_HOME in every step, for clusters where the lake is file:// or the
    # warehouse is DuckDB (a kind dev loop); unset, the same mount is an emptyDir of each pod's own.
    state_claim: str | None = None
    # The `target` parameter's default, so the warehouse of every run that does not choose one - the
    # cron's included: snowflake in production, duckdb on a dev cluster whose pods share `state_claim`.
    default_target: str = TARGETS[0]
    version: str = __version__

    def __post_init__(self) -> None:
        # Read-only views, so a shared default config cannot be changed by accident.
        object.__setattr__(self, "images", MappingProxyType(dict(self.images)))
        object.__setattr__(self, "service_accounts", MappingProxyType(dict(self.service_accounts)))
        if self.backfill_parallelism < 1:
            raise ValueError(f"backfill_parallelism must be at least 1, got {self.backfill_parallelism}")
        if self.default_target not in self.targets:
            raise ValueError(
                f"default_target must be one of {list(self.targets)}, got {self.default_target!r}"
                + ("" if self.state_claim else " (duckdb needs a state claim shared by every step)")
            )

    @property
    def targets(self) -> tuple[str, ...]:
        """The warehouses a run may use: DuckDB only where every step shares the state volume (one file)."""
        return TARGETS if self.state_claim else tuple(t for t in TARGETS if t != "duckdb")

    def image(self, name: str) -> str:
        """The image reference of a registry image name (`extract-files`, `loader`, `dbt`, …)."""
        if name in self.images:
            return self.images[name]
        registry = f"{self.image_registry.rstrip('/')}/" if self.image_registry else ""
        return f"{registry}{self.image_prefix}{name}:{self.image_tag}"

    def service_account(self, image: str) -> str:
        return self.service_accounts.get(image, image)

    def with_overrides(self, **changes: object) -> WorkflowConfig:
        """A copy with the given fields changed; None values are ignored (unset CLI flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


class ArgoSettings(BaseSettings):
    """Where the Argo objects go and how they are rendered: CORETELECOMS_ARGO_* variables, flags override."""

    model_config = SettingsConfigDict(env_prefix="CORETELECOMS_ARGO_", extra="ignore")

    namespace: str = Field(default="coretelecoms", description="namespace of the templates and workflows")
    ui_url: str = Field(default="http://localhost:2746", description="Argo UI root, for links")
    image_registry: str | None = Field(default=None, description="registry prefix of the step images")
    image_prefix: str | None = None
    image_tag: str | None = None
    state_claim: str | None = None
    default_target: Literal["snowflake", "duckdb"] | None = Field(
        default=None, description="the target parameter's default (WorkflowConfig.default_target)"
    )

    def workflow_config(self, **overrides: object) -> WorkflowConfig:
        base = WorkflowConfig().with_overrides(
            image_registry=self.image_registry,
            image_prefix=self.image_prefix,
            image_tag=self.image_tag,
            state_claim=self.state_claim,
            default_target=self.default_target,
        )
        return base.with_overrides(**overrides)

    def link(self, name: str, namespace: str | None = None) -> str:
        """The Argo UI page of a workflow."""
        return f"{self.ui_url.rstrip('/')}/workflows/{namespace or self.namespace}/{name}"


class NotifySettings(BaseSettings):
    """The exit handler's configuration: the webhook (a secret) and the Argo UI root for the link."""

    model_config = SettingsConfigDict(env_prefix="CORETELECOMS_", extra="ignore")

    slack_webhook_url: SecretStr | None = Field(default=None, description="Slack incoming-webhook URL")
    # From the chart's coretelecoms-env ConfigMap (values.alertsRequired), so the manifests are the same
    # on every cluster. Unset means required: a production cluster never loses an alert by omission.
    alerts_required: bool = Field(
        default=True, description="false: a missing webhook is logged, not an error"
    )
    argo_ui_url: str = Field(default="http://localhost:2746", description="Argo UI root, for links")
