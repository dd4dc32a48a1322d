"""Render the workflow objects to manifests, validate them against Argo's schema models, write or check files."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from coretelecoms.common.errors import PipelineError
from coretelecoms.orchestrate.config import WorkflowConfig

# The chart installs these files as they are, with its values set in a few fields (templates/workflows.yaml).
HEADER = "# Rendered by `coretelecoms workflows render` from the Hera code; do not edit by hand.\n"


@dataclass(frozen=True)
class Manifest:
    """One rendered object: its kind and name, its body, and its YAML text."""

    kind: str
    name: str
    body: dict
    text: str

    @property
    def filename(self) -> str:
        return f"{self.kind.lower()}-{self.name}.yaml"


def manifest_text(obj) -> str:
    """Hera's YAML (`name` first, then scalars, lists, maps) without line wrapping, so diffs stay readable."""
    return HEADER + obj.to_yaml(width=10_000)


def workflow_objects(config: WorkflowConfig | None = None) -> list:
    """The Hera objects in apply order: templates before the cron that references them."""
    # Hera is the `workflows` extra; the notify/dates commands in the base image never get here.
    from coretelecoms.orchestrate.backfill import build_backfill
    from coretelecoms.orchestrate.cron import build_cron
    from coretelecoms.orchestrate.daily import build_daily

    config = config or WorkflowConfig()
    return [build_daily(config), build_backfill(config), build_cron(config)]


def to_manifest(obj) -> Manifest:
    body = obj.to_dict()
    manifest = Manifest(kind=body["kind"], name=body["metadata"]["name"], body=body, text=manifest_text(obj))
    validate(manifest)
    return manifest


def manifests(config: WorkflowConfig | None = None) -> list[Manifest]:
    """Every manifest, validated."""
    return [to_manifest(obj) for obj in workflow_objects(config)]


def validate(manifest: Manifest) -> None:
    """Check a manifest against the Argo Workflows schema models Hera ships (generated from Argo's OpenAPI)."""
    from hera.workflows import models as m
    from pydantic import ValidationError

    model = {"WorkflowTemplate": m.WorkflowTemplate, "CronWorkflow": m.CronWorkflow, "Workflow": m.Workflow}
    try:
        model[manifest.kind].model_validate(manifest.body)
    except KeyError:
        raise PipelineError(f"{manifest.filename}: unknown kind {manifest.kind!r}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PipelineError(
            f"{manifest.filename} is not a valid {manifest.kind}: {where}: {first['msg']}"
        ) from exc


def write(out: Path, rendered: list[Manifest]) -> list[Path]:
    """Write every manifest to `out`, removing stale rendered files of objects that no longer exist."""
    out.mkdir(parents=True, exist_ok=True)
    wanted = {m.filename for m in rendered}
    for old in out.glob("*.yaml"):
        if old.name not in wanted and old.read_text().startswith("# Rendered by"):
            old.unlink()
    paths = []
    for manifest in rendered:
        path = out / manifest.filename
        path.write_text(manifest.text)
        paths.append(path)
    return paths


def stale(out: Path, rendered: list[Manifest]) -> list[str]:
    """Unified diffs between the files in `out` and what would be rendered now; empty when up to date."""
    diffs = []
    wanted = {m.filename for m in rendered}
    for manifest in rendered:
        path = out / manifest.filename
        current = path.read_text() if path.exists() else ""
        if current != manifest.text:
            diffs.append(
                "".join(
                    difflib.unified_diff(
                        current.splitlines(keepends=True),
                        manifest.text.splitlines(keepends=True),
                        fromfile=str(path),
                        tofile=f"{path} (rendered now)",
                    )
                )
            )
    for extra in sorted(p for p in out.glob("*.yaml") if p.name not in wanted):
        diffs.append(f"{extra}: no longer rendered\n")
    return diffs
