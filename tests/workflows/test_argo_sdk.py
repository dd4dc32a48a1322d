"""The declared Argo floor against Argo's own API, release by release: every field the manifests use is known to
the floor's release, and some field is unknown to the release before it (so the floor is not set too high).

Argo's per-release API models come from the argo-workflows Python SDK (PyPI; 6.M.P is generated from Argo
v3.M.P), one folder per release, named in ARGO_SDKS (os.pathsep-separated); .ci/run installs them, and without
them this skips, like the checkov test. By hand:
    pip install --no-deps --target /work/argo-sdk-3.6 argo-workflows==6.6.19
    pip install --no-deps --target /work/argo-sdk-3.7 argo-workflows==6.7.18
    ARGO_SDKS=/work/argo-sdk-3.6:/work/argo-sdk-3.7 pytest tests/workflows/test_argo_sdk.py
test_render.py's floor test reads a table of version-gated fields; this one needs no table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from coretelecoms.orchestrate.daily import ARGO_FLOOR

ROOT = Path(__file__).resolve().parents[2]
RENDERED = ROOT / "charts" / "coretelecoms" / "workflows"
SCRIPT = Path(__file__).parent / "argo_sdk_fields.py"
SDKS = [p for p in os.environ.get("ARGO_SDKS", "").split(os.pathsep) if p]

pytestmark = pytest.mark.skipif(
    not SDKS, reason="no Argo SDK releases given (set ARGO_SDKS; see the docstring)"
)


def _unknown(sdk: str, manifests: Path = RENDERED) -> tuple[tuple[int, int], set[str]]:
    """(Argo's major.minor the SDK was generated from, the fields of `manifests` it does not know)."""
    out = subprocess.run([sys.executable, str(SCRIPT), sdk, str(manifests)],
                         capture_output=True, text=True, check=True, timeout=300).stdout  # fmt: skip
    found = json.loads(out)
    sdk_major, minor = (int(x) for x in found["version"].split(".")[:2])
    assert sdk_major == 6, f"SDK {found['version']}: 6.M.P is Argo 3.M.P; other lines are not mapped here"
    return (3, minor), set(found["unknown"])


def test_the_floor_is_the_first_release_that_knows_every_field():
    floor = tuple(int(x) for x in ARGO_FLOOR.split(".")[:2])
    results = dict(map(_unknown, SDKS))
    assert floor in results, f"give ARGO_SDKS a release of the floor's line, Argo {ARGO_FLOOR}"
    for release, unknown in results.items():
        if release >= floor:
            assert unknown == set(), f"Argo {release} does not know {sorted(unknown)}"
        else:
            assert unknown, f"Argo {release} knows every field: the floor {ARGO_FLOOR} is too high"


def test_the_walk_finds_a_field_no_release_knows(tmp_path):
    daily = yaml.safe_load((RENDERED / "workflowtemplate-coretelecoms-daily.yaml").read_text())
    daily["spec"]["templates"][0]["container"]["bogusField"] = 1
    (tmp_path / "daily.yaml").write_text(yaml.safe_dump(daily))
    for sdk in SDKS:
        _, unknown = _unknown(sdk, tmp_path)
        assert "WorkflowTemplate.spec.templates[].container.bogusField" in unknown
