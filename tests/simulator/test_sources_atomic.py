"""A killed `coretelecoms sources generate` never leaves a truncated file or a half-filled table behind.

A real CLI subprocess is killed with SIGKILL (no cleanup of any kind can run) at moments chosen while
it is writing: mid customers file, mid call-log file, mid social-media JSON, mid web-form COPY. After
each kill every visible file is byte-identical to an uninterrupted run's and every web-form table is
absent or complete; a re-run then gives exactly the uninterrupted bytes and tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from processes import kill_when

START, DAYS, SCALE = "2026-07-01", "2", "20"
TABLES = ("web_form_request_2026_07_01", "web_form_request_2026_07_02")
SCHEMA = "customer_complaints"


def _command(home: Path, *options: str) -> list[str]:
    return [
        sys.executable, "-m", "coretelecoms", "--log-level", "ERROR", "--home", str(home), *options,
        "sources", "generate", "--start", START, "--days", DAYS, "--scale", SCALE,
    ]  # fmt: skip


def _env(dsn: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    return {**env, "CORETELECOMS_POSTGRES_DSN": dsn}


def _visible(home: Path) -> dict[str, bytes]:
    """Every file a reader would open: the bucket and the agents sheet, hidden partials excluded."""
    root = home / "sources"
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def _partials(home: Path) -> list[Path]:
    return list((home / "sources").rglob(".*.partial"))


def _tables(dsn: str) -> dict[str, list[tuple]]:
    found = {}
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.{table}",))
            if cursor.fetchone()[0] is not None:
                cursor.execute(f'SELECT * FROM {SCHEMA}.{table} ORDER BY "Column1"::bigint')
                found[table] = cursor.fetchall()
    connection.close()
    return found


def _drop_tables(dsn: str) -> None:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{table}")
    connection.close()


def _copying(dsn: str) -> bool:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %%web_form_request%%' "
            "AND pid <> pg_backend_pid()"
        )
        busy = cursor.fetchone()[0] > 0
    connection.close()
    return busy


def _run(home: Path, dsn: str, *options: str) -> None:
    completed = subprocess.run(
        _command(home, *options), env=_env(dsn), capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-2000:]


def _kill_when(home: Path, dsn: str, ready, *options: str) -> None:
    """Start generating and SIGKILL the process the moment `ready()` holds."""
    process = subprocess.Popen(
        _command(home, *options), env=_env(dsn), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        kill_when(
            process,
            ready,
            timeout=300,
            poll=0.002,
            too_early="generate finished before the kill point was reached",
        )
    finally:
        process.stderr.close()


def _partial_of(home: Path, pattern: str):
    return lambda: any((home / "sources").rglob(pattern))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, sources_pg) -> tuple[dict[str, bytes], dict[str, list[tuple]]]:
    home = tmp_path_factory.mktemp("uninterrupted")
    _run(home, sources_pg)
    return _visible(home), _tables(sources_pg)


@pytest.mark.parametrize(
    "kill_point",
    [
        "customers file",
        # Each point costs two CLI runs (~12 s here): one in the fast suite, the rest with the slow ones.
        pytest.param("call-log file", marks=pytest.mark.slow),
        pytest.param("social-media file", marks=pytest.mark.slow),
        pytest.param("web-form copy", marks=pytest.mark.slow),
    ],
)
def test_a_killed_run_leaves_no_partial_file_and_a_rerun_gives_the_same_bytes(
    tmp_path, sources_pg, uninterrupted, kill_point
):
    reference_files, reference_tables = uninterrupted
    assert len(reference_tables) == 2 and all(reference_tables.values())
    home = tmp_path / "home"
    _drop_tables(sources_pg)  # so a table seen after the kill can only be this run's
    ready = {
        "customers file": _partial_of(home, ".customers_dataset.csv.*.partial"),
        "call-log file": _partial_of(home, ".call_logs_day_*.partial"),
        "social-media file": _partial_of(home, ".media_complaint_day_*.partial"),
        "web-form copy": lambda: _copying(sources_pg),
    }[kill_point]
    _kill_when(home, sources_pg, ready)

    # Whatever is visible is whole: byte-identical to the uninterrupted run's file of that name.
    visible = _visible(home)
    assert set(visible) < set(reference_files), "a killed run must not have published everything"
    for name, data in visible.items():
        assert data == reference_files[name], f"{name} is not the complete file"
    assert "bucket/_truth/manifest.json" not in visible  # the manifest is published last
    # A web-form table exists complete or not at all (its day is one transaction).
    for table, rows in _tables(sources_pg).items():
        assert rows == reference_tables[table], table
    if kill_point != "web-form copy":
        assert _partials(home), "the kill was meant to land mid-file"

    _run(home, sources_pg)
    assert _visible(home) == reference_files
    assert _partials(home) == []  # the re-run swept the killed run's leftovers
    assert _tables(sources_pg) == reference_tables


BUCKET = "core-telecoms-sources"


def _keys(client, prefix: str) -> set[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"].removeprefix(prefix) for o in listed}


def _objects(client, prefix: str) -> dict[str, bytes]:
    return {
        key: client.get_object(Bucket=BUCKET, Key=prefix + key)["Body"].read()
        for key in _keys(client, prefix)
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "kill_after", ["customers/customers_dataset.csv", "call logs/call_logs_day_2026-07-01.csv"]
)
def test_a_killed_run_into_s3_leaves_only_whole_objects(tmp_path, sources_pg, s3_env, kill_after):
    client = s3_env
    client.create_bucket(Bucket=BUCKET)
    _run(tmp_path / "reference", sources_pg, "--source-url", f"s3://{BUCKET}/reference")
    reference = _objects(client, "reference/")
    assert len(reference) == 6  # customers, 2 call logs, 2 social-media files, the truth manifest

    prefix = f"killed-{kill_after.split('/')[0].replace(' ', '-')}/"
    url = ("--source-url", f"s3://{BUCKET}/{prefix.rstrip('/')}")
    # Kill the moment that object has landed: the next file is being staged or sent.
    _kill_when(tmp_path / "killed", sources_pg, lambda: kill_after in _keys(client, prefix), *url)
    visible = _objects(client, prefix)
    assert kill_after in visible and set(visible) < set(reference)
    for key, body in visible.items():
        assert body == reference[key], f"{key} is not the whole object"
    assert not client.list_multipart_uploads(Bucket=BUCKET).get("Uploads")  # one PUT each, nothing pending
    _run(tmp_path / "killed", sources_pg, *url)
    assert _objects(client, prefix) == reference
