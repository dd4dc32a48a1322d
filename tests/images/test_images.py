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
    IMAGES_TOML,
    Built,
    base_image,
    build_image,
    build_wheelhouse,
    docker,
    engine_unreachable,
    probe_request,
    run_in,
    serve_wheelhouse,
)

from coretelecoms.pipeline.steps import IMAGES, STEPS

# A cold run (no base image, no wheelhouse, no layer cache) takes several minutes; see docs/kubernetes.md.
pytestmark = [pytest.mark.docker, pytest.mark.timeout(3600)]

DAY = date(2025, 11, 20)
# The packages whose presence matters (size, attack surface, cold start): what the test holds each image to.
HEAVY = {
    "pandas", "numpy", "pyarrow", "duckdb", "boto3", "botocore", "psycopg2-binary", "openpyxl", "requests",
    "snowflake-connector-python", "dbt-core", "dbt-duckdb", "dbt-snowflake", "google-auth", "pgserver",
    "hera", "kubernetes", "pulumi",
}  # fmt: skip
# The package that stands for each extra images.toml names.
HEAVY_OF = {
    "extract": "numpy", "s3": "boto3", "postgres": "psycopg2-binary", "xlsx": "openpyxl", "sheets": "google-auth",
    "duckdb": "duckdb", "snowflake": "snowflake-connector-python", "dbt": "dbt-core",
}  # fmt: skip


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


def test_every_registry_image_is_described():
    assert sorted(IMAGES_TOML) == sorted(IMAGES)


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


@pytest.mark.parametrize("name", IMAGES)
def test_image_carries_only_what_its_steps_import(images: dict[str, Built], name: str):
    """Inside the image: import the CLI and every module its steps (and images.toml `runs`) may run, follow
    their imports - drivers are imported inside the functions that use them - and compare the heavy
    packages installed with those the imports need: none missing, none carried for nothing."""
    probe = (Path(__file__).parent / "import_probe.py").read_text()
    request, optional = probe_request(name)
    result = run_in(images[name].tag, "-c", probe, json.dumps(request), entrypoint="python")
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout)
    assert found["failed"] == {}, f"{name}: modules that do not import: {found['failed']}"
    assert set(found["missing"]) <= set(optional), f"{name} lacks what its steps import: {found['missing']}"
    installed = set(found["installed"]) & HEAVY
    assert installed - set(found["used"]) == set(), f"{name} carries packages its steps never import"
    # And each image does carry what makes it that image (the extras images.toml gives it).
    assert {HEAVY_OF[extra] for extra in IMAGES_TOML[name]["extras"] if extra in HEAVY_OF} <= installed


def test_utility_commands_run_in_the_smallest_image(images: dict[str, Built]):
    """The exit handler, the backfill's date listing and the target guard run in extract-files, which has
    no hera: the guard refuses DuckDB where no state volume is shared (exit 2, not retried) and lets it pass
    where one is."""
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
    tag = images["extract-files"].tag
    refused = run_in(tag, "workflows", "check-target", "--target", "duckdb", "--allowed", "snowflake")
    assert refused.returncode == 2, refused.stderr
    assert "shared by every step" in refused.stderr + refused.stdout
    allowed = run_in(tag, "workflows", "check-target", "--target", "duckdb", "--allowed", "snowflake,duckdb")
    assert allowed.returncode == 0, allowed.stderr


@pytest.fixture
def data(tmp_path: Path, pg_dsn: str) -> Path:
    """A CORETELECOMS_HOME holding one day of generated sources, writable by the images' user."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    env |= {"CORETELECOMS_HOME": str(home), "CORETELECOMS_POSTGRES_DSN": pg_dsn}
    subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-level", "WARNING", "sources", "generate",
         "--start", DAY.isoformat(), "--days", "1", "--scale", "1", "--seed", "11"],
        env=env, check=True, timeout=300,
    )  # fmt: skip
    # Web forms need a PostgreSQL the container can reach (pgserver listens only on a socket its own user
    # may open): their partition is extracted here, by the same CLI, so the load finds every partition.
    subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-level", "WARNING", "extract", "web-forms",
         "--date", DAY.isoformat(), "--json"],
        env=env, check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    # The images run as uid 10001: let it traverse the tree and write the lake and the warehouse.
    for path in [tmp_path, *home.rglob("*"), home]:
        path.chmod(0o777 if path.is_dir() else 0o644)
    return home


def test_pipeline_across_images(images: dict[str, Built], data: Path):
    """Extract four sources in their extractor images (web forms on the host, see `data`), load all five
    in the loader, build the marts in dbt."""
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
    web_forms = json.loads(
        (data / "lake" / "raw" / "web-forms" / f"ingest_date={DAY}" / "_manifest.json").read_text()
    )
    expected = sum(s["rows_written"] for s in summaries.values()) + web_forms["rows_written"]
    assert json.loads(load.stdout)["rows_loaded"] == expected

    transform = run_in(images["dbt"].tag, "transform", data=data, timeout=900)
    assert transform.returncode == 0, transform.stderr

    import duckdb

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        channels = dict(con.sql("select channel, count(*) from marts.fct_complaints group by 1").fetchall())
    assert set(channels) == {"call_center", "social_media", "web_form"}
    assert all(n > 0 for n in channels.values())
