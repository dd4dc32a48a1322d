"""Every step image builds, runs its steps' CLI as a pod would, and the pipeline runs across the images."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from images_build import (
    IMAGE_EXTRAS,
    REPO,
    Built,
    base_image,
    build_image,
    build_wheelhouse,
    docker,
    engine_unreachable,
    run_in,
    serve_wheelhouse,
)

from coretelecoms.pipeline.steps import IMAGES, STEPS

# A cold run (no base image, no wheelhouse, no layer cache) takes several minutes; see docs/kubernetes.md.
pytestmark = [pytest.mark.docker, pytest.mark.timeout(3600)]

DAY = date(2025, 11, 20)


@pytest.fixture(scope="module")
def images() -> dict[str, Built]:
    """All five images, built on one shared base from one wheelhouse (PyPI directly with CORETELECOMS_TEST_PYPI=1)."""
    reason = engine_unreachable()
    if reason:
        pytest.skip(reason)
    base = base_image()
    if os.environ.get("CORETELECOMS_TEST_PYPI") == "1":
        return {name: build_image(name, base, None) for name in IMAGES}
    with serve_wheelhouse(build_wheelhouse()) as index_url:
        built = {name: build_image(name, base, index_url) for name in IMAGES}
    for b in built.values():
        print(f"built {b.tag} in {b.seconds:.0f} s", file=sys.stderr)
    return built


def test_every_registry_image_has_a_dockerfile_and_extras():
    assert sorted(p.parent.name for p in (REPO / "images").glob("*/Dockerfile")) == sorted(IMAGES)
    assert sorted(IMAGE_EXTRAS) == sorted(IMAGES)
    for name, extras in IMAGE_EXTRAS.items():
        text = (REPO / "images" / name / "Dockerfile").read_text()
        for extra in extras:
            assert f"requirements.py {extra} > extras.txt" in text, f"{name} should install the {extra} extra"
        assert ("extras.txt" in text) == bool(extras), f"{name} installs extras it does not need"


@pytest.mark.parametrize("name", IMAGES)
def test_image_runs_its_steps(images: dict[str, Built], name: str):
    tag = images[name].tag
    config = json.loads(docker("image", "inspect", "--format", "{{json .Config}}", tag).stdout)
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["coretelecoms"]
    assert config["Labels"]["org.opencontainers.image.revision"] == images[name].revision
    assert config["Labels"]["org.opencontainers.image.source"]

    top = run_in(tag, "--help")
    assert top.returncode == 0, top.stderr
    assert "Core Telecoms data platform" in top.stdout
    steps = [s for s in STEPS if s.image == name]
    assert steps, f"no registry step runs in {name}"
    for command in dict.fromkeys(s.args[0] for s in steps):
        result = run_in(tag, command, "--help")
        assert result.returncode == 0, f"{name}: coretelecoms {command} --help\n{result.stderr}"
        assert "Usage: coretelecoms" in result.stdout


@pytest.mark.parametrize(
    ("name", "present", "absent"),
    [
        (
            "extract-files",
            ["pyarrow", "boto3"],
            ["snowflake-connector-python", "dbt-core", "hera", "pgserver", "google-auth"],
        ),
        (
            "extract-sheets",
            ["openpyxl", "google-auth"],
            ["snowflake-connector-python", "dbt-core", "hera", "pgserver"],
        ),
        (
            "extract-postgres",
            ["psycopg2-binary"],
            ["snowflake-connector-python", "dbt-core", "hera", "pgserver", "google-auth"],
        ),
        ("loader", ["snowflake-connector-python", "duckdb"], ["dbt-core", "hera", "pgserver"]),
        ("dbt", ["dbt-core", "dbt-duckdb", "dbt-snowflake"], ["hera", "pgserver"]),
    ],
)
def test_image_carries_only_its_extras(images: dict[str, Built], name, present, absent):
    probe = (
        "import importlib.metadata as md, json, sys\n"
        "def has(d):\n"
        "    try:\n"
        "        return bool(md.version(d))\n"
        "    except md.PackageNotFoundError:\n"
        "        return False\n"
        "print(json.dumps({d: has(d) for d in sys.argv[1:]}))"
    )
    result = run_in(images[name].tag, "-c", probe, *present, *absent, entrypoint="python")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [d for d in present if not found[d]] == []
    assert [d for d in absent if found[d]] == []


def test_utility_commands_run_in_the_smallest_image(images: dict[str, Built]):
    """The exit handler and the backfill's date listing run in extract-files, which has no hera."""
    result = run_in(
        images["extract-files"].tag, "workflows", "dates", "--start", "2025-11-20", "--end", "2025-11-22"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["2025-11-20", "2025-11-21", "2025-11-22"]
    alert = run_in(
        images["extract-files"].tag,
        "workflows", "notify", "--workflow", "w-1", "--namespace", "ns", "--status", "Failed", "--dry-run",
    )  # fmt: skip
    assert alert.returncode == 0, alert.stderr
    assert "w-1" in alert.stdout


@pytest.fixture
def data(tmp_path: Path, pg_dsn: str) -> Path:
    """A CORETELECOMS_HOME holding one day of generated sources, writable by the images' user."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    env |= {"CORETELECOMS_HOME": str(home), "CORETELECOMS_POSTGRES_DSN": pg_dsn}
    subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-level", "WARNING", "sources", "generate",
         "--start", DAY.isoformat(), "--days", "1", "--scale", "0.1", "--seed", "11"],
        env=env, check=True, timeout=300,
    )  # fmt: skip
    # The images run as uid 10001: let it traverse the tree and write the lake and the warehouse.
    for path in [tmp_path, *home.rglob("*"), home]:
        path.chmod(0o777 if path.is_dir() else 0o644)
    return home


def test_pipeline_across_images(images: dict[str, Built], data: Path):
    """Extract four sources in their extractor images, load them in the loader, build the marts in dbt."""
    summaries = {}
    for step in STEPS:
        entity = step.args[1] if step.args[0] == "extract" else None
        if entity is None or step.image == "extract-postgres":
            continue  # web forms need a PostgreSQL the container can reach; the other four need only files
        result = run_in(images[step.image].tag, *step.argv(DAY.isoformat()), data=data)
        assert result.returncode == 0, f"{step.name}: {result.stderr}"
        summary = json.loads(result.stdout)
        assert summary["rows_read"] == summary["rows_written"] + summary["rows_quarantined"]
        assert summary["rows_written"] > 0
        summaries[entity] = summary
        assert list((data / "lake" / "raw").glob(f"*/ingest_date={DAY}/*.parquet"))
    assert set(summaries) == {"customers", "agents", "call-logs", "social-media"}

    load = run_in(images["loader"].tag, "load", "--date", DAY.isoformat(), "--json", data=data)
    assert load.returncode == 0, load.stderr
    assert json.loads(load.stdout)["rows_loaded"] == sum(s["rows_written"] for s in summaries.values())

    transform = run_in(images["dbt"].tag, "transform", data=data, timeout=900)
    assert transform.returncode == 0, transform.stderr

    import duckdb

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        channels = dict(con.sql("select channel, count(*) from marts.fct_complaints group by 1").fetchall())
    assert set(channels) == {"call_center", "social_media"}
    assert all(n > 0 for n in channels.values())
