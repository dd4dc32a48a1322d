"""checkov passes on the rendered chart and the Dockerfiles (runs only where checkov is installed, in its own venv).

checkov pins libraries the project uses (boto3, pulumi), so it never goes into the dev extra:
    python3 -m venv /work/checkov-venv && /work/checkov-venv/bin/pip install checkov
    CHECKOV=/work/checkov-venv/bin/checkov python -m pytest tests/charts/test_checkov.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from chart_render import REPO, VALUES_FILES, load_values, render_files

CHECKOV = os.environ.get("CHECKOV") or shutil.which("checkov")
pytestmark = pytest.mark.skipif(not CHECKOV, reason="checkov is not installed (set CHECKOV to its path)")

# Argo CD passes the deployed commit as imageTag; any SHA stands for it here.
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _checkov(directory: Path, *frameworks: str) -> list[dict]:
    result = subprocess.run(
        [
            CHECKOV,
            "-d",
            str(directory),
            "--framework",
            *frameworks,
            "-o",
            "json",
            "--skip-download",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout or "[]")
    return reports if isinstance(reports, list) else [reports]


def _failures(reports: list[dict]) -> list[str]:
    return [
        f"{check['check_id']} {check['resource']} ({check['file_path']})"
        for report in reports
        for check in report.get("results", {}).get("failed_checks", [])
    ]


def _skips(reports: list[dict]) -> list[dict]:
    return [check for report in reports for check in report.get("results", {}).get("skipped_checks", [])]


def test_checkov_passes_on_the_rendered_chart(tmp_path):
    value_sets = {"defaults": {}} | {name: load_values(*files) for name, files in VALUES_FILES.items()}
    for name, values in value_sets.items():
        for path, text in render_files(values | {"imageTag": COMMIT}).items():
            if not path.endswith("NOTES.txt"):
                target = tmp_path / name / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
    reports = _checkov(tmp_path, "kubernetes", "argo_workflows")
    assert _failures(reports) == []
    # Every skip is one of the chart's own annotations, and each carries its reason.
    for skip in _skips(reports):
        assert len(skip.get("suppress_comment") or "") > 20, skip["check_id"]


def test_checkov_passes_on_the_dockerfiles():
    reports = _checkov(REPO / "images", "dockerfile")
    assert _failures(reports) == []
    for skip in _skips(reports):
        assert skip["check_id"] in {"CKV_DOCKER_2", "CKV_DOCKER_7"}
        assert len(skip.get("suppress_comment") or "") > 20
