"""The source contract, in the spirit of the Singer SDK's tap tests: the same checks over all five sources.

Every source is driven through the one entry point (`extract`) on a hand-made delivery in its real
layout (deliveries.py): a CSV or JSON file in the bucket, an .xlsx sheet, a PostgreSQL table.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from deliveries import bad_row, good_row, kit

from coretelecoms.common.entities import ENTITIES, LINEAGE_FIELDS
from coretelecoms.common.errors import PipelineError, SourceMissingError
from coretelecoms.extract.engine import RunContext
from coretelecoms.extract.sources import SOURCES, extract
from coretelecoms.lake.filesystem import locate
from coretelecoms.lake.manifest import read_manifest
from coretelecoms.settings import Settings

DAY = date(2025, 11, 20)
NAMES = list(ENTITIES)


@pytest.fixture
def limits_as_shipped(settings: Settings) -> Settings:
    """The settings with every limit at its default (the suite's other tests lift the quarantine share)."""
    default = Settings.model_fields["max_quarantine_share"].default
    return settings.model_copy(update={"max_quarantine_share": default})


def _deliver(name: str, settings: Settings, good: int = 9, bad: int = 1, day: date = DAY):
    source = kit(name, settings)
    entity = source.entity
    rows = [good_row(entity, i, day) for i in range(good)] + [
        bad_row(entity, good + i, day) for i in range(bad)
    ]
    source.write(day, rows)
    return source


def _lake(ctx: RunContext) -> Path:
    return Path(ctx.lake.path)


def test_every_entity_has_exactly_one_source():
    assert set(SOURCES) == set(ENTITIES)


@pytest.mark.parametrize("name", NAMES)
def test_reconciles_and_the_manifest_says_what_was_published(name, limits_as_shipped, ctx):
    _deliver(name, limits_as_shipped)
    summary = extract(name, limits_as_shipped, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (10, 9, 1)
    entity = ENTITIES[name]
    assert summary.quarantine_reasons == {f"empty {entity.key}": 1}
    assert read_manifest(ctx.lake, name, DAY) == summary
    data = pq.read_table(_lake(ctx) / summary.outputs[0])
    quarantine = pq.read_table(_lake(ctx) / summary.quarantine[0])
    assert (data.num_rows, quarantine.num_rows) == (summary.rows_written, summary.rows_quarantined)
    assert summary.fingerprint is None if not entity.snapshot else summary.fingerprint.startswith("sha256:")


@pytest.mark.parametrize("name", NAMES)
def test_every_row_carries_its_lineage(name, settings, ctx):
    _deliver(name, settings)
    summary = extract(name, settings, ctx)
    for key in summary.outputs + summary.quarantine:
        table = pq.read_table(_lake(ctx) / key)
        assert table.column("_source").unique().to_pylist() == [summary.source]
        assert table.column("_run_id").unique().to_pylist() == [ctx.run_id]
        assert table.column("_ingest_date").unique().to_pylist() == [DAY]
        assert table.column("_ingested_at").unique().to_pylist() == [ctx.ingested_at]


@pytest.mark.parametrize("name", NAMES)
def test_the_lake_holds_exactly_the_entity_schema(name, settings, ctx):
    _deliver(name, settings)
    summary = extract(name, settings, ctx)
    entity = ENTITIES[name]
    schema = pq.read_schema(_lake(ctx) / summary.outputs[0])
    assert schema.remove_metadata() == entity.schema
    assert [f.name for f in schema][-len(LINEAGE_FIELDS) :] == [f.name for f in LINEAGE_FIELDS]
    key_column = pq.read_table(_lake(ctx) / summary.outputs[0]).column(entity.key).to_pylist()
    assert len(key_column) == 9 and None not in key_column


@pytest.mark.parametrize("name", NAMES)
def test_a_missing_delivery_is_named_and_publishes_nothing(name, settings, ctx):
    kit(name, settings).remove(DAY)
    with pytest.raises(SourceMissingError, match="not found"):
        extract(name, settings, ctx)
    assert read_manifest(ctx.lake, name, DAY) is None
    assert not list(_lake(ctx).glob("raw/*/*/*.parquet"))


@pytest.mark.parametrize("name", NAMES)
def test_a_rerun_converges_on_the_same_partition(name, settings, ctx):
    _deliver(name, settings)
    first = extract(name, settings, ctx)
    tables = {
        k: pq.read_table(_lake(ctx) / k).drop_columns(["_ingested_at"])
        for k in first.outputs + first.quarantine
    }
    again = RunContext(lake=ctx.lake, day=DAY, run_id=ctx.run_id)
    second = extract(name, settings, again)
    assert {**vars(second), "published_at": ""} == {**vars(first), "published_at": ""}
    for key, table in tables.items():
        assert pq.read_table(_lake(ctx) / key).drop_columns(["_ingested_at"]).equals(table), key
    assert sorted(p.relative_to(_lake(ctx)).as_posix() for p in _lake(ctx).glob("[rq]*/**/*.*")) == sorted(
        [*first.outputs, *first.quarantine, f"raw/{name}/ingest_date={DAY}/_manifest.json"]
    )


@pytest.mark.parametrize("name", NAMES)
def test_the_manifest_is_written_last(name, settings, ctx):
    _deliver(name, settings)
    summary = extract(name, settings, ctx)
    manifest = _lake(ctx) / f"raw/{name}/ingest_date={DAY}/_manifest.json"
    files = [_lake(ctx) / key for key in summary.outputs + summary.quarantine]
    assert all(f.exists() for f in files)
    assert (manifest).stat().st_mtime_ns >= max((f).stat().st_mtime_ns for f in files)
    assert not list((_lake(ctx) / "_tmp").rglob("*.*"))  # nothing left in scratch after success


@pytest.mark.parametrize("name", NAMES)
def test_a_day_that_is_mostly_quarantine_fails_loudly_and_publishes_nothing(name, limits_as_shipped, ctx):
    _deliver(name, limits_as_shipped, good=5, bad=20)
    key = ENTITIES[name].key
    with pytest.raises(
        PipelineError, match=rf"^{name} 2025-11-20: 20 of 25 rows quarantined \(80%.*empty {key}"
    ):
        extract(name, limits_as_shipped, ctx)
    assert read_manifest(ctx.lake, name, DAY) is None
    assert not list(_lake(ctx).glob("*/*/*/*.parquet"))


@pytest.mark.parametrize("name", NAMES)
def test_a_small_day_is_judged_by_its_rows_not_its_share(name, limits_as_shipped, ctx):
    _deliver(name, limits_as_shipped, good=2, bad=1)  # 33 %, but three rows say little
    assert extract(name, limits_as_shipped, ctx).rows_quarantined == 1
    _deliver(name, limits_as_shipped, good=0, bad=3)  # nothing usable at all: refused whatever the size
    with pytest.raises(PipelineError, match="3 of 3 rows quarantined"):
        extract(name, limits_as_shipped, ctx)


def test_the_quarantine_share_limit_is_a_setting_well_under_half(limits_as_shipped, ctx):
    assert limits_as_shipped.max_quarantine_share < 0.5  # the default (issue 11.6)
    _deliver("call-logs", limits_as_shipped, good=14, bad=6)  # 30 %: above the default
    with pytest.raises(PipelineError, match=r"6 of 20 rows quarantined \(30%"):
        extract("call-logs", limits_as_shipped, ctx)
    lenient = limits_as_shipped.model_copy(update={"max_quarantine_share": 0.5})
    assert extract("call-logs", lenient, ctx).rows_quarantined == 6


def test_the_cli_exits_non_zero_naming_entity_share_and_commonest_reason(limits_as_shipped, tmp_path):
    """The command itself, as cron or a pod runs it: exit 1 and one line on stderr (issue 11.6)."""
    _deliver("call-logs", limits_as_shipped, good=5, bad=20)
    env = {k: v for k, v in os.environ.items() if k != "CORETELECOMS_MAX_QUARANTINE_SHARE"}
    result = subprocess.run([sys.executable, "-m", "coretelecoms", "extract", "call-logs", "--date", str(DAY)],
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: call-logs 2025-11-20: 20 of 25 rows quarantined (80%"), line
    assert "commonest reason: empty call_id (20 rows)" in line, line
    assert read_manifest(locate(limits_as_shipped.lake_url), "call-logs", DAY) is None


@pytest.mark.parametrize("name", [n for n in NAMES if not ENTITIES[n].snapshot])
def test_a_daily_source_reads_the_day_it_is_asked_for(name, settings, ctx):
    kit(name, settings).remove(DAY)  # web-form tables outlive a test in the session's PostgreSQL
    _deliver(name, settings, good=3, bad=0, day=DAY + timedelta(days=1))
    with pytest.raises(SourceMissingError):
        extract(name, settings, ctx)
