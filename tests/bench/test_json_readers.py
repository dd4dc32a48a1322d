"""`bench json`: every reader of the column-oriented JSON gives the same text for every value, or fails in one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from coretelecoms.bench.json_readers import READERS, child, write_day

LAYOUT_READERS = ["scanner", "json.load", "pandas", "duckdb"]


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    path = tmp_path_factory.mktemp("json") / "social.json"
    write_day(1_000, path, jsonl=path.with_suffix(".jsonl"))
    return path


def test_the_day_carries_the_contracts_mess(day):
    doc = json.loads(day.read_text())
    agent_ids = list(doc["agent ID"].values())
    assert {type(v) for v in agent_ids} == {int, float, str, type(None)}  # 1000, 1035.0, "A12", null
    assert "sentiment" in doc  # a drift column
    assert list(doc["complaint_id"])[:3] == ["0", "2", "4"]  # gapped index labels
    assert any("\\" in v and '"' in v for v in doc["COMPLAINT_catego ry"].values())  # escapes


def test_readers_of_the_layout_agree_on_every_value(day):
    reports = {name: child(name, day) for name in [*LAYOUT_READERS, "pyarrow-jsonl"]}
    assert all("error" not in r for r in reports.values()), reports
    assert {r["rows"] for r in reports.values()} == {1_000}
    assert {r["columns"] for r in reports.values()} == {10}
    assert len({r["digest"] for r in reports.values()}) == 1, {n: r["digest"] for n, r in reports.items()}


def test_pyarrow_cannot_read_the_layout_as_rows(day):
    report = child("pyarrow-columns", day)
    assert "STRUCT" in report["error"] and "not rows" in report["error"]


@pytest.mark.parametrize("reader", LAYOUT_READERS)
def test_a_truncated_file_fails_in_one_line(reader, day, tmp_path):
    data = day.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: len(data) // 2])
    report = child(reader, cut)
    assert report["error"] and report["error_lines"] == 1, report


def test_the_command_reports_every_reader_and_the_truncated_copy(tmp_path):
    out = tmp_path / "figures.json"
    run = subprocess.run(
        [sys.executable, "-m", "coretelecoms.bench", "json", "--rows", "300", "--repeat", "1",
         "--readers", "scanner,json.load", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert [(f["rows_in_file"], f["reader"]) for f in figures] == [
        (300, "scanner"), (300, "json.load"), ("truncated", "scanner"), ("truncated", "json.load")
    ]  # fmt: skip
    for f in figures[:2]:
        assert f["rows"] == 300 and f["read_s"] > 0 and f["peak_rss_mb"] > f["peak_over_imports_mb"] >= 0
    assert figures[0]["digest"] == figures[1]["digest"]
    assert all("error" in f for f in figures[2:])


def test_an_unknown_reader_is_refused():
    run = subprocess.run(
        [sys.executable, "-m", "coretelecoms.bench", "json", "--readers", "scanner,simdjson"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and "simdjson" in run.stderr
    assert set(READERS) >= set(LAYOUT_READERS)
