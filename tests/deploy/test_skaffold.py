"""skaffold.yaml: one artifact per Dockerfile, every artifact consumed by the chart, and both profiles deployable."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "charts"))
from chart_render import REPO, by_kind, load_values, merge_values, render

from coretelecoms.pipeline.steps import IMAGES

SKAFFOLD = yaml.safe_load((REPO / "skaffold.yaml").read_text())
ARTIFACTS = {a["image"]: a for a in SKAFFOLD["build"]["artifacts"]}
PROFILES = {p["name"]: p for p in SKAFFOLD["profiles"]}


def _sanitised(image: str) -> str:
    """How skaffold names an artifact in template variables: `/` and `-` become `_`."""
    return re.sub(r"[/-]", "_", image)


def _apply(config: dict, patches: list[dict]) -> dict:
    """The JSON patches skaffold applies for a profile (the `add` operations this file uses)."""
    config = copy.deepcopy(config)
    for patch in patches:
        assert patch["op"] == "add", patch
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in patch["path"].split("/")[1:]]
        node = config
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node.append(patch["value"]) if last == "-" else node.insert(int(last), patch["value"])
        else:
            node[last] = patch["value"]
    return config


def _release(profile: str | None) -> dict:
    config = _apply(SKAFFOLD, PROFILES[profile].get("patches", [])) if profile else SKAFFOLD
    return config["deploy"]["helm"]["releases"][0]


def _substitute(templates: dict[str, str], built: dict[str, tuple[str, str, str]]) -> dict:
    """setValueTemplates as skaffold fills them after a build: artifact -> (repo, tag, digest)."""
    variables = {}
    for image, (repo, tag, digest) in built.items():
        name = _sanitised(image)
        variables |= {f"IMAGE_REPO_{name}": repo, f"IMAGE_TAG_{name}": tag, f"IMAGE_DIGEST_{name}": digest}
    values: dict = {}
    for key, template in templates.items():
        match = re.fullmatch(r"\{\{\.(\w+)\}\}", template)
        assert match, f"{key}: {template} is not a plain skaffold variable"
        node = values
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = variables[match.group(1)]
    return values


def test_one_artifact_per_image_from_the_one_dockerfile_with_the_repo_root_as_context():
    import tomllib

    described = tomllib.loads((REPO / "images" / "images.toml").read_text())
    assert set(described) == set(IMAGES)
    assert set(ARTIFACTS) == {f"coretelecoms-{name}" for name in IMAGES}
    for name, spec in described.items():
        artifact = ARTIFACTS[f"coretelecoms-{name}"]
        assert artifact["context"] == "."
        assert artifact["docker"]["dockerfile"] == "images/Dockerfile"
        assert artifact["docker"]["target"] == spec["target"]
        assert set(artifact["docker"]["buildArgs"]) == {"IMAGE", "REVISION", "SOURCE"}
        assert artifact["docker"]["buildArgs"]["IMAGE"] == name


@pytest.mark.parametrize("profile", [None, "kind", "prod"])
def test_every_artifact_is_consumed_by_the_chart(profile):
    release = _release(profile)
    assert release["chartPath"] == "charts/coretelecoms"
    templates = release["setValueTemplates"]
    for image in ARTIFACTS:
        name = image.removeprefix("coretelecoms-")
        assert templates[f"images.{name}.repository"] == f"{{{{.IMAGE_REPO_{_sanitised(image)}}}}}"
        assert templates[f"images.{name}.tag"] == f"{{{{.IMAGE_TAG_{_sanitised(image)}}}}}"
    # Nothing is set for an image that has no artifact.
    assert {key.split(".")[1] for key in templates} == {a.removeprefix("coretelecoms-") for a in ARTIFACTS}


@pytest.mark.parametrize("profile", ["kind", "prod"])
def test_profile_renders_with_the_built_images(profile):
    """The release a profile deploys, with skaffold's variables filled in, puts each built image in its steps."""
    release = _release(profile)
    files = [REPO / path for path in release["valuesFiles"]]
    assert all(path.exists() for path in files), files
    built = {
        image: (f"registry.example/{image}", f"t-{_sanitised(image)}", "sha256:" + f"{i:x}" * 64)
        for i, image in enumerate(ARTIFACTS, start=1)
    }
    values = load_values(*files)
    values = merge_values(values, _substitute(release["setValueTemplates"], built))
    values = merge_values(values, release.get("setValues", {}))
    docs = render(values)
    daily = by_kind(docs, "WorkflowTemplate")["coretelecoms-daily"]
    from coretelecoms.pipeline.steps import STEPS

    by_step = {t["name"]: t["container"]["image"] for t in daily["spec"]["templates"] if "container" in t}
    for step in STEPS:
        repo, tag, digest = built[f"coretelecoms-{step.image}"]
        expected = f"{repo}:{tag}" + (f"@{digest}" if profile == "prod" else "")
        assert by_step[step.name] == expected
    if profile == "kind":
        assert "coretelecoms-generate-sources" in by_kind(docs, "Job")
        assert by_kind(docs, "PersistentVolumeClaim")
    else:
        assert not by_kind(docs, "Job") and not by_kind(docs, "Secret")


def test_kind_profile_activates_on_kind_contexts_and_does_not_push():
    kind = PROFILES["kind"]
    assert {"kubeContext": "kind-.*"} in kind["activation"]
    assert kind["build"]["local"]["push"] is False
    prod = PROFILES["prod"]
    assert prod["build"]["local"]["push"] is True
    assert prod["build"]["tagPolicy"] == {"gitCommit": {"variant": "CommitSha"}}


@pytest.mark.parametrize(
    ("profile", "target", "alerts"),
    [("kind", "duckdb", "false"), ("prod", "snowflake", "true")],
)
def test_profile_sets_the_default_target_and_whether_alerts_are_required(profile, target, alerts):
    """kind: the cron's nightly runs use the in-cluster DuckDB and a missing Slack secret is no error;
    the break-glass production deploy keeps Snowflake and a required alert."""
    release = _release(profile)
    values = merge_values(
        load_values(*[REPO / path for path in release["valuesFiles"]]), release.get("setValues", {})
    )
    docs = render(values)
    for template in by_kind(docs, "WorkflowTemplate").values():
        (param,) = [p for p in template["spec"]["arguments"]["parameters"] if p["name"] == "target"]
        assert param["value"] == target
    assert by_kind(docs, "ConfigMap")["coretelecoms-env"]["data"]["CORETELECOMS_ALERTS_REQUIRED"] == alerts
