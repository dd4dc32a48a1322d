"""Render the chart offline (helm-python-sdk) and build the Hera WorkflowConfig the same values stand for."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from coretelecoms.orchestrate.config import WorkflowConfig
from coretelecoms.pipeline.steps import IMAGES

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "coretelecoms"
NAMESPACE = "coretelecoms"
ARGO_KINDS = {"WorkflowTemplate", "CronWorkflow", "Workflow"}

# Values files the chart is deployed with: the kind dev loop (skaffold) and the two Argo CD environments.
VALUES_FILES = {
    "kind": [CHART / "ci" / "kind-values.yaml"],
    "argocd-dev": [
        REPO / "deploy" / "argocd" / "values-dev.yaml",
        REPO / "deploy" / "argocd" / "infra-dev.yaml",
    ],
    "argocd-prod": [
        REPO / "deploy" / "argocd" / "values-prod.yaml",
        REPO / "deploy" / "argocd" / "infra-prod.yaml",
    ],
}


def load_values(*files: Path) -> dict:
    """Helm's -f semantics for maps: later files override earlier ones, key by key."""
    merged: dict = {}
    for path in files:
        merged = merge_values(merged, yaml.safe_load(path.read_text()) or {})
    return merged


def merge_values(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            merge_values(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


@functools.cache
def _chart():
    import helm_python

    return helm_python.Chart.load(str(CHART))


def merged_values(values: dict) -> dict:
    """The values a release with these overrides would use (chart defaults coalesced)."""
    return _chart().merge_values(values)


def app_version() -> str:
    return str(_chart().metadata["appVersion"])


def render_files(values: dict, namespace: str = NAMESPACE) -> dict[str, str]:
    """Template path -> rendered text, as `helm template` would print them."""
    return _chart().render(values, name="coretelecoms", namespace=namespace, is_install=True)


def render(values: dict, namespace: str = NAMESPACE) -> list[dict]:
    """Every rendered object (NOTES.txt left out)."""
    docs = []
    for path, text in sorted(render_files(values, namespace).items()):
        if path.endswith("NOTES.txt"):
            continue
        docs += [doc for doc in yaml.safe_load_all(text) if doc]
    return docs


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def workflow_config(values: dict) -> WorkflowConfig:
    """What the chart's helpers compute, written independently: the config the Hera render must use."""
    v = merged_values(values)
    version = app_version()

    def image(name: str) -> str:
        spec = v["images"][name]
        registry = v["imageRegistry"].rstrip("/")
        repository = f"{registry}/{spec['repository']}" if registry else spec["repository"]
        ref = f"{repository}:{spec['tag'] or v['imageTag'] or version}"
        return f"{ref}@{spec['digest']}" if spec["digest"] else ref

    state = v["stateVolume"]
    return WorkflowConfig(
        images={name: image(name) for name in IMAGES},
        service_accounts={name: v["serviceAccounts"]["steps"][name]["name"] for name in IMAGES},
        workflow_service_account=v["serviceAccounts"]["workflow"]["name"],
        schedule=v["schedule"],
        timezone=v["timezone"],
        backfill_parallelism=int(v["backfillParallelism"]),
        state_claim=(state["existingClaim"] or "coretelecoms-state") if state["enabled"] else None,
        default_target=v["defaultTarget"],
        version=version,
    )


def hera_bodies(config: WorkflowConfig, namespace: str = NAMESPACE) -> dict[tuple[str, str], dict]:
    """The Hera render for `config`, placed in `namespace` as `coretelecoms workflows apply` does."""
    from coretelecoms.orchestrate.render import manifests

    bodies = {}
    for manifest in manifests(config):
        body = manifest.body
        body["metadata"] = {**body["metadata"], "namespace": namespace}
        bodies[(manifest.kind, manifest.name)] = body
    return bodies
