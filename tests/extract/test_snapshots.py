"""Snapshots (customers, agents): stored once per distinct delivery, refused when they shrink (issues 10.3, 11.1)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from deliveries import good_row, kit

from coretelecoms.common.entities import AGENTS, CUSTOMERS
from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.engine import RunContext
from coretelecoms.extract.sources import extract
from coretelecoms.lake.manifest import read_manifest

D1 = date(2025, 11, 20)
D2, D3 = D1 + timedelta(days=1), D1 + timedelta(days=2)


def _ctx(ctx: RunContext, day: date, **kw) -> RunContext:
    return RunContext(lake=ctx.lake, day=day, run_id=f"run-{day}", **kw)


def _customers(settings, n: int, changed: int | None = None) -> None:
    rows = [good_row(CUSTOMERS, i, D1) for i in range(n)]
    if changed is not None:
        rows[changed]["email"] = "new@example.com"
    kit("customers", settings).write(D1, rows)


def _partition_files(ctx: RunContext, day: date) -> list[str]:
    lake = Path(ctx.lake.path)
    return sorted(
        p.name
        for zone in ("raw", "quarantine")
        for p in (lake / zone / "customers" / f"ingest_date={day}").glob("*")
    )


def test_an_unchanged_snapshot_is_published_without_storing_it_again(settings, ctx):
    _customers(settings, 10)
    first = extract("customers", settings, _ctx(ctx, D1))
    second = extract("customers", settings, _ctx(ctx, D2))
    assert second.fingerprint == first.fingerprint
    assert second.unchanged_since == "2025-11-20" and second.outputs == [] and second.quarantine == []
    assert (second.rows_read, second.rows_written, second.rows_quarantined) == (10, 10, 0)
    assert _partition_files(ctx, D2) == ["_manifest.json"]
    assert read_manifest(ctx.lake, "customers", D2) == second
    third = extract("customers", settings, _ctx(ctx, D3))  # unchanged again: still the delivery of D1
    assert third.unchanged_since == "2025-11-20"


def test_a_changed_snapshot_is_stored(settings, ctx):
    _customers(settings, 10)
    first = extract("customers", settings, _ctx(ctx, D1))
    _customers(settings, 10, changed=3)  # one e-mail differs: a different delivery
    second = extract("customers", settings, _ctx(ctx, D2))
    assert second.fingerprint != first.fingerprint and second.unchanged_since is None
    assert second.outputs == ["raw/customers/ingest_date=2025-11-21/part-00000.parquet"]


def test_a_day_that_becomes_unchanged_on_a_rerun_drops_its_old_files(settings, ctx):
    _customers(settings, 10, changed=1)
    extract("customers", settings, _ctx(ctx, D2))  # D2 extracted first (a backfill out of order)
    extract("customers", settings, _ctx(ctx, D1))
    rerun = extract("customers", settings, _ctx(ctx, D2))
    assert rerun.unchanged_since == "2025-11-20"
    assert _partition_files(ctx, D2) == ["_manifest.json"]


def test_a_shrunken_snapshot_is_refused_with_a_clear_message(settings, ctx):
    _customers(settings, 10)
    extract("customers", settings, _ctx(ctx, D1))
    _customers(settings, 4)  # a truncated file
    with pytest.raises(PipelineError) as info:
        extract("customers", settings, _ctx(ctx, D2))
    assert str(info.value) == (
        "customers 2025-11-21: the delivery has 4 rows, 40% of the 10 of the last accepted one (2025-11-20), "
        "below CORETELECOMS_SNAPSHOT_MIN_RATIO=0.9; refused as truncated, nothing published "
        "(re-run with --accept-shrink if the shrink is deliberate)"
    )
    assert read_manifest(ctx.lake, "customers", D2) is None and _partition_files(ctx, D2) == []
    accepted = extract("customers", settings, _ctx(ctx, D2, accept_shrink=True))
    assert accepted.rows_written == 4


def test_a_shrunken_agents_sheet_is_refused_too(settings, ctx):
    kit("agents", settings).write(D1, [good_row(AGENTS, i, D1) for i in range(10)])
    extract("agents", settings, _ctx(ctx, D1))
    kit("agents", settings).write(D1, [good_row(AGENTS, i, D1) for i in range(4)])  # rows lost from the sheet
    with pytest.raises(PipelineError, match=r"^agents 2025-11-21: the delivery has 4 rows, 40% of the 10 .* refused"):
        extract("agents", settings, _ctx(ctx, D2))
    assert read_manifest(ctx.lake, "agents", D2) is None
    assert extract("agents", settings, _ctx(ctx, D2, accept_shrink=True)).rows_written == 4


def test_a_day_whose_shrink_was_accepted_reruns_without_the_flag(settings, ctx):
    _customers(settings, 10)
    extract("customers", settings, _ctx(ctx, D1))
    _customers(settings, 4)
    extract("customers", settings, _ctx(ctx, D2, accept_shrink=True))
    assert extract("customers", settings, _ctx(ctx, D2)).rows_written == 4  # the same content: accepted once
    _customers(settings, 3)  # but a different, smaller delivery of that day is judged again
    with pytest.raises(PipelineError, match=r"refused as truncated"):
        extract("customers", settings, _ctx(ctx, D2))


def test_the_shrink_threshold_is_a_setting(settings, ctx):
    _customers(settings, 10)
    extract("customers", settings, _ctx(ctx, D1))
    _customers(settings, 8)
    lenient = settings.model_copy(update={"snapshot_min_ratio": 0.5})
    assert extract("customers", lenient, _ctx(ctx, D2)).rows_written == 8
    _customers(settings, 3)
    with pytest.raises(PipelineError, match=r"38% of the 8 of the last accepted one \(2025-11-21\), below"):
        extract("customers", lenient, _ctx(ctx, D3))


def test_the_cli_flag_accepts_a_deliberate_shrink(settings, monkeypatch):
    from coretelecoms.cli import cli

    monkeypatch.setenv("CORETELECOMS_MAX_QUARANTINE_SHARE", "1")
    _customers(settings, 10)
    assert CliRunner().invoke(cli, ["extract", "customers", "--date", "2025-11-20"]).exit_code == 0
    _customers(settings, 4)
    refused = CliRunner().invoke(cli, ["extract", "customers", "--date", "2025-11-21"])
    assert refused.exit_code != 0 and "refused as truncated" in str(refused.exception)  # main() prints it
    accepted = CliRunner().invoke(
        cli, ["extract", "customers", "--date", "2025-11-21", "--accept-shrink", "--json"]
    )
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout.strip().splitlines()[-1])["rows_written"] == 4


def test_a_resaved_agents_workbook_with_the_same_cells_is_unchanged(settings, ctx):
    rows = [good_row(AGENTS, i, D1) for i in range(5)]
    kit("agents", settings).write(D1, rows)
    first = extract("agents", settings, _ctx(ctx, D1))
    path = Path(settings.agents_sheet)
    workbook = openpyxl.load_workbook(path)
    workbook.properties.title = "saved again"  # other bytes, same cells
    workbook.save(path)
    second = extract("agents", settings, _ctx(ctx, D2))
    assert second.unchanged_since == "2025-11-20" and second.fingerprint == first.fingerprint
    workbook.active["D2"] = "West Virginia"
    workbook.save(path)
    assert extract("agents", settings, _ctx(ctx, D3)).unchanged_since is None


def test_the_fingerprint_names_the_content_not_its_chunking_or_container(settings, ctx):
    import pyarrow as pa

    from coretelecoms.extract.fingerprint import Fingerprint
    from coretelecoms.extract.records import RawChunk

    headers = ["a", "b"]
    rows = pa.record_batch({"a": [f"x{i}" for i in range(100)], "b": [str(i) for i in range(100)]})

    def digest(*batches):
        fingerprint = Fingerprint(headers)
        for batch in batches:
            fingerprint.update(RawChunk(batch))
        return fingerprint.hexdigest()

    whole = digest(rows)
    assert digest(rows.slice(0, 37), rows.slice(37)) == whole
    moved = pa.record_batch(
        {"a": ["x0x", *rows.column("a").to_pylist()[1:]], "b": ["", *rows.column("b").to_pylist()[1:]]}
    )
    assert digest(moved) != whole  # "x0","0" and "x0x","" hold the same bytes in another split
    assert digest(rows.slice(0, 99)) != whole
    rows_csv = [good_row(AGENTS, i, D1) for i in range(5)]
    kit("agents", settings).write(D1, rows_csv)
    from_xlsx = extract("agents", settings, _ctx(ctx, D1))
    csv_path = settings.home / "agents.csv"
    csv_path.write_text("iD,NamE,experience,state\n" + "".join(",".join(r.values()) + "\n" for r in rows_csv))
    as_csv = settings.model_copy(update={"agents_sheet": str(csv_path)})
    assert (
        extract("agents", as_csv, _ctx(ctx, D2)).unchanged_since == from_xlsx.date
    )  # same cells, other file


def test_an_unchanged_day_is_decided_by_the_cheap_pass_without_typing_a_row(settings, ctx, monkeypatch):
    import coretelecoms.extract.sources as sources

    _customers(settings, 10)
    extract("customers", settings, _ctx(ctx, D1))

    def no_full_extract(*args, **kwargs):
        raise AssertionError("the full extract ran for an unchanged snapshot")

    monkeypatch.setattr(sources, "extract_to_lake", no_full_extract)
    assert extract("customers", settings, _ctx(ctx, D2)).unchanged_since == "2025-11-20"
    _customers(settings, 10, changed=0)
    with pytest.raises(AssertionError, match="full extract ran"):  # a changed delivery takes the full path
        extract("customers", settings, _ctx(ctx, D3))
