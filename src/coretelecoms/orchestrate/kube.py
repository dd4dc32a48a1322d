"""Argo objects through the Kubernetes API: create-or-update templates, submit a workflow, follow it to the end.

Hera can create or update but not both (hera#267, #520), and needs the Argo Server; this talks to the
Kubernetes API directly with the user's kubeconfig or the pod's in-cluster credentials. `apply` is for a
cluster without the chart (a quick trial of the templates); where the chart is installed, Helm or Argo CD
owns these objects and `workflows apply` would fight it.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coretelecoms.common.errors import PipelineError

GROUP = "argoproj.io"
VERSION = "v1alpha1"
PLURALS = {"WorkflowTemplate": "workflowtemplates", "CronWorkflow": "cronworkflows", "Workflow": "workflows"}
DONE = ("Succeeded", "Failed", "Error")
# A replace that loses a race with another writer is retried on a fresh read this many times.
ATTEMPTS = 3


def connect(kubeconfig: Path | None = None, context: str | None = None) -> Any:
    """A CustomObjectsApi on the kubeconfig (explicit path, $KUBECONFIG or ~/.kube/config), else in-cluster."""
    from kubernetes import client, config

    try:
        api_client = config.new_client_from_config(
            config_file=str(kubeconfig) if kubeconfig else None, context=context
        )
    except (config.ConfigException, FileNotFoundError, OSError) as exc:
        if kubeconfig or context:
            raise PipelineError(
                f"cannot use kubeconfig {kubeconfig or ''} {context or ''}: {_one_line(exc)}"
            ) from exc
        try:
            configuration = client.Configuration()
            config.load_incluster_config(client_configuration=configuration)
        except config.ConfigException:
            raise PipelineError(
                "no Kubernetes credentials: no kubeconfig found and not running in a cluster "
                "(pass --kubeconfig or set KUBECONFIG)"
            ) from exc
        api_client = client.ApiClient(configuration)
    return client.CustomObjectsApi(api_client)


@dataclass(frozen=True)
class Ref:
    """Which object an API call is about, for the error message."""

    kind: str
    namespace: str
    name: str

    @property
    def plural(self) -> str:
        return PLURALS[self.kind]

    def __str__(self) -> str:
        return f"{self.kind.lower()} {self.namespace}/{self.name}"


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def api_error(exc: Exception, action: str, ref: Ref) -> PipelineError:
    """A one-line PipelineError for a failed API call, with the API server's own reason where it gave one."""
    status = getattr(exc, "status", None)
    message = ""
    body = getattr(exc, "body", None)
    if body:
        try:
            message = json.loads(body).get("message", "")
        except (ValueError, AttributeError):
            message = str(body)
    message = _one_line(message or getattr(exc, "reason", "") or exc)
    if status == 403:
        text = f"forbidden to {action} {ref}: {message}"
    elif status == 401:
        text = f"unauthorized to {action} {ref}: check the kubeconfig's credentials ({message})"
    elif status == 404:
        text = (
            f"cannot {action} {ref}: not found ({message}); is Argo Workflows installed "
            f"and does namespace {ref.namespace} exist?"
        )
    elif status == 409:
        text = f"conflict on {action} {ref}: {message}"
    elif status == 422:
        text = f"{ref} rejected as invalid: {message}"
    elif status is None or status == 0:
        text = f"cannot reach the Kubernetes API to {action} {ref}: {message}"
    else:
        text = f"failed to {action} {ref}: HTTP {status}: {message}"
    return PipelineError(text)


def _call(action: str, ref: Ref, fn: Callable[[], Any]) -> Any:
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        return fn()
    except ApiException as exc:
        raise api_error(exc, action, ref) from exc
    except HTTPError as exc:
        raise api_error(exc, action, ref) from exc


def _status(exc: BaseException) -> int | None:
    cause = exc.__cause__
    return getattr(cause, "status", None)


# Metadata the cluster adds to our objects (the cron controller's last-used-schedule annotation, the Argo
# server's creator labels): not ours to compare, and kept when we replace the object.
FOREIGN_PREFIXES = ("workflows.argoproj.io/", "cronworkflows.argoproj.io/")


def _foreign(live: dict, ours: dict) -> dict:
    """The live entries under a foreign prefix that we do not set ourselves."""
    return {k: v for k, v in live.items() if k.startswith(FOREIGN_PREFIXES) and k not in ours}


def _ours(live: dict | None, ours: dict | None) -> dict:
    live, ours = live or {}, ours or {}
    return {k: v for k, v in live.items() if k not in _foreign(live, ours)}


def _same(current: dict, wanted: dict) -> bool:
    """Whether the live object already says what we would write (so apply leaves it, and its version and
    status, alone): the spec, and our labels and annotations - not what the cluster added besides."""
    live, mine = current.get("metadata", {}), wanted.get("metadata", {})
    return (
        current.get("spec") == wanted.get("spec")
        and _ours(live.get("labels"), mine.get("labels")) == (mine.get("labels") or {})
        and _ours(live.get("annotations"), mine.get("annotations")) == (mine.get("annotations") or {})
    )


def _carry_over(current: dict, body: dict) -> dict:
    """The replacement keeps what the cluster owns: status (a CronWorkflow's last scheduled time and
    active runs) and the foreign labels and annotations."""
    body = copy.deepcopy(body)
    live, meta = current.get("metadata", {}), body["metadata"]
    for field in ("labels", "annotations"):
        extra = _foreign(live.get(field) or {}, meta.get(field) or {})
        if extra:
            meta[field] = {**extra, **(meta.get(field) or {})}
    if "status" in current:
        body["status"] = current["status"]
    return body


def apply(api: Any, manifest: dict, namespace: str) -> str:
    """Create the object, or replace it at the resourceVersion just read; returns created/configured/unchanged."""
    body = copy.deepcopy(manifest)
    metadata = body.setdefault("metadata", {})
    metadata["namespace"] = namespace
    metadata.pop("resourceVersion", None)
    ref = Ref(body["kind"], namespace, metadata["name"])
    args = (GROUP, VERSION, namespace, ref.plural)
    for _ in range(ATTEMPTS):
        try:
            current = _call("read", ref, lambda: api.get_namespaced_custom_object(*args, ref.name))
        except PipelineError as exc:
            if _status(exc) != 404:
                raise
            try:
                _call("create", ref, lambda: api.create_namespaced_custom_object(*args, body))
            except PipelineError as create_exc:
                if _status(create_exc) == 409:  # created by someone else since the read: update it instead
                    continue
                raise
            return "created"
        if _same(current, body):
            return "unchanged"
        # Optimistic concurrency: the replace only succeeds if nobody changed the object since this read.
        replacement = _carry_over(current, body)
        replacement["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        try:
            _call(
                "replace", ref, lambda r=replacement: api.replace_namespaced_custom_object(*args, ref.name, r)
            )
        except PipelineError as exc:
            if _status(exc) == 409:
                continue
            raise
        return "configured"
    raise PipelineError(
        f"conflict on replace {ref}: it changed between every read and write ({ATTEMPTS} attempts); "
        "someone else is updating it - try again"
    )


def apply_all(api: Any, manifests: Iterable[dict], namespace: str) -> list[tuple[Ref, str]]:
    """Apply in order (templates before the cron that references them); stops at the first failure."""
    results = []
    for manifest in manifests:
        ref = Ref(manifest["kind"], namespace, manifest["metadata"]["name"])
        results.append((ref, apply(api, manifest, namespace)))
    return results


def submit(
    api: Any, namespace: str, template: str, parameters: dict[str, str], labels: dict[str, str] | None = None
) -> str:
    """Create a Workflow from a WorkflowTemplate (like `argo submit --from`); returns its generated name."""
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Workflow",
        "metadata": {"generateName": f"{template}-", "namespace": namespace, "labels": dict(labels or {})},
        "spec": {
            "workflowTemplateRef": {"name": template},
            "arguments": {"parameters": [{"name": k, "value": v} for k, v in parameters.items()]},
        },
    }
    ref = Ref("Workflow", namespace, f"{template}-…")
    created = _call(
        "create",
        ref,
        lambda: api.create_namespaced_custom_object(GROUP, VERSION, namespace, "workflows", body),
    )
    return created["metadata"]["name"]


@dataclass(frozen=True)
class Outcome:
    phase: str
    message: str
    failed: list[str]


def _pod_phases(workflow: dict) -> dict[str, str]:
    nodes = (workflow.get("status") or {}).get("nodes") or {}
    return {
        node.get("displayName", node_id): node.get("phase", "")
        for node_id, node in nodes.items()
        if node.get("type") == "Pod"
    }


def wait(
    api: Any,
    namespace: str,
    name: str,
    *,
    poll_seconds: float = 5.0,
    timeout_seconds: float | None = None,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Follow a workflow until it finishes, echoing each step's phase changes; returns how it ended."""
    ref = Ref("Workflow", namespace, name)
    seen: dict[str, str] = {}
    phase = ""
    started = time.monotonic()
    while True:
        workflow = _call(
            "read",
            ref,
            lambda: api.get_namespaced_custom_object(GROUP, VERSION, namespace, "workflows", name),
        )
        status = workflow.get("status") or {}
        for step, step_phase in _pod_phases(workflow).items():
            if step_phase and seen.get(step) != step_phase:
                echo(f"  {step}: {step_phase}")
                seen[step] = step_phase
        if status.get("phase") != phase:
            phase = status.get("phase") or ""
            if phase:
                echo(f"{name}: {phase}")
        if phase in DONE:
            failed = sorted(step for step, p in seen.items() if p in ("Failed", "Error"))
            return Outcome(phase, _one_line(status.get("message") or ""), failed)
        if timeout_seconds is not None and time.monotonic() - started > timeout_seconds:
            raise PipelineError(
                f"{ref} still {phase or 'pending'} after {timeout_seconds:.0f} s (it keeps running)"
            )
        sleep(poll_seconds)
