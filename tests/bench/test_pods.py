"""`bench pods`: each registry step's `docker run` carries its pod's limits, its command and the home."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from coretelecoms.bench.pods import _bytes, _cpus, docker_argv
from coretelecoms.orchestrate.pods import SHAPES
from coretelecoms.pipeline.steps import STEPS


def test_kubernetes_quantities():
    assert _bytes("2Gi") == 2 * 2**30 and _bytes("512Mi") == 512 * 2**20 and _bytes("1000") == 1000
    assert _cpus("500m") == 0.5 and _cpus("2") == 2.0


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_each_step_runs_its_image_under_its_pods_limits(step):
    argv, cpus, memory = docker_argv(step, date(2025, 11, 21), Path("/h"), "test", Path("/sock"))
    shape = SHAPES[step.shape]
    assert cpus == _cpus(shape.cpu_limit) and memory == _bytes(shape.memory_limit)
    assert f"--memory={memory}" in argv and f"--memory-swap={memory}" in argv and f"--cpus={cpus}" in argv
    assert "--pull=never" in argv  # never fetch an image from a registry by accident
    assert argv[argv.index("-v") + 1] == "/h:/data"
    image = argv.index(f"coretelecoms-{step.image}:test")
    assert argv[image + 4 :] == step.argv("2025-11-21")  # after `-c SCRIPT $0`: the registry's own arguments


def test_a_scratch_lake_and_a_running_postgres_are_mounted_when_given():
    step = next(s for s in STEPS if s.name == "extract-web-forms")
    argv, _, _ = docker_argv(step, date(2025, 11, 21), Path("/h"), "test", Path("/sock"), Path("/scratch"))
    assert "/scratch:/lake" in argv and "CORETELECOMS_LAKE_URL=file:///lake" in argv
    assert "/sock:/pgsocket" in argv
    assert "CORETELECOMS_POSTGRES_DSN=postgresql://postgres@/postgres?host=/pgsocket" in argv
    plain, _, _ = docker_argv(step, date(2025, 11, 21), Path("/h"), "test", None)
    assert not any(a.startswith(("CORETELECOMS_LAKE_URL", "CORETELECOMS_POSTGRES_DSN")) for a in plain)
