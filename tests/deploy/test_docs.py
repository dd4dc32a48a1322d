"""docs/kubernetes.md: the kind walkthrough runs its commands in order and names only what exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "kubernetes.md").read_text()


def _walkthrough() -> str:
    start = DOC.index("## From zero to a running workflow on kind")
    return DOC[start : DOC.index("## The production path")]


def _commands(text: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_kind_walkthrough_runs_in_order():
    commands = _commands(_walkthrough())
    order = [
        "kind create cluster",
        "kubectl create namespace argo",
        "kubectl apply -n argo",
        "kubectl -n argo patch configmap workflow-controller-configmap",
        "kubectl -n argo rollout restart deployment workflow-controller",
        "kubectl create namespace coretelecoms",
        "kubectl label namespace coretelecoms pod-security.kubernetes.io/enforce=restricted",
        "skaffold dev -p kind",
        "argo submit -n coretelecoms --from workflowtemplate/coretelecoms-daily -p target=duckdb",
    ]
    positions = [next(i for i, c in enumerate(commands) if c.startswith(step)) for step in order]
    assert positions == sorted(positions)


def test_walkthrough_matches_the_repository():
    skaffold = yaml.safe_load((REPO / "skaffold.yaml").read_text())
    assert "kind" in {p["name"] for p in skaffold["profiles"]}
    release = skaffold["deploy"]["helm"]["releases"][0]
    assert release["namespace"] == "coretelecoms"  # the namespace the walkthrough creates and labels
    # The Argo version installed satisfies what the workflows declare.
    version = re.search(r"argo-workflows/releases/download/v(\d+)\.(\d+)\.(\d+)/install\.yaml", DOC)
    assert version and tuple(map(int, version.groups())) >= (3, 7, 0)
    # The executor patch is valid YAML for a container securityContext meeting "restricted".
    patch = re.search(r"\"executor\":\"(.*?)\"}}'", DOC).group(1).encode().decode("unicode_escape")
    context = yaml.safe_load(patch)["securityContext"]
    assert context["allowPrivilegeEscalation"] is False and context["capabilities"]["drop"] == ["ALL"]
    assert context["seccompProfile"]["type"] == "RuntimeDefault" and context["runAsNonRoot"] is True


def test_every_path_named_exists():
    paths = set(re.findall(r"`((?:charts|deploy|images|docs|pulumi|\.github|tests|src)/[\w./<>-]+)`", DOC))
    paths |= set(re.findall(r"(?<![\w/])((?:charts|deploy)/[\w./-]+\.(?:py|yaml))\b", DOC))
    checked = 0
    for path in paths:
        if "<" in path or "*" in path:
            continue
        assert (REPO / path).exists(), path
        checked += 1
    assert checked >= 8
