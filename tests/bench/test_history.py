"""`bench history`: the daily pipeline day after day, measured per step; figures' shape and arithmetic."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from coretelecoms.bench.history import (
    DayFigures,
    StepFigures,
    dbt_node_times,
    format_table,
    pod_memory_env,
    ratios,
    step_argv,
    step_env,
)
from coretelecoms.pipeline.steps import STEPS

STEP_NAMES = [f"extract-{e}" for e in ("customers", "agents", "call-logs", "social-media", "web-forms")]


def test_steps_are_the_registry_steps_with_the_day_filled_in():
    steps = dict(step_argv(date(2025, 11, 21)))
    assert set(steps) == {s.name for s in STEPS} >= {*STEP_NAMES, "load", "transform"}
    assert steps["extract-customers"][:4] == ["extract", "customers", "--date", "2025-11-21"]
    assert steps["load"][:3] == ["load", "--date", "2025-11-21"]
    assert list(steps).index("load") < list(steps).index("transform")


def test_ratios_are_last_day_over_first_day_per_step_and_for_the_day():
    first = DayFigures(
        "2025-11-20",
        {"load": StepFigures(2.0, 100.0, None, 1.0), "transform": StepFigures(10.0, 400.0, None, 8.0)},
    )
    last = DayFigures(
        "2025-11-29",
        {"load": StepFigures(3.0, 100.0, None, 1.0), "transform": StepFigures(12.5, 300.0, None, 10.0)},
    )
    got = ratios([first, last])
    assert got["load"] == {"seconds": 1.5, "peak_rss": 1.0, "cpu_seconds": 1.0}
    assert got["transform"] == {"seconds": 1.25, "peak_rss": 0.75, "cpu_seconds": 1.25}
    # The day: summed wall and CPU time, the largest peak.
    assert got["total"] == {
        "seconds": round(15.5 / 12.0, 3),
        "peak_rss": 0.75,
        "cpu_seconds": round(11 / 9, 3),
    }


def test_a_zero_first_day_gives_no_ratio_instead_of_a_crash():
    zero = DayFigures("d1", {"load": StepFigures(0.0, 0.0)})
    assert ratios([zero, zero])["load"] == {"seconds": None, "peak_rss": None, "cpu_seconds": None}


@pytest.mark.slow  # two days of the real pipeline, dbt included (about a minute)
def test_history_two_days_reports_every_step_of_every_day(tmp_path):
    out = tmp_path / "history.json"
    run = subprocess.run(
        [sys.executable, "-m", "coretelecoms.bench", "history", "--days", "2", "--scale", "1",
         "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["days_done"] == 2 and "failed" not in report
    assert [d["date"] for d in report["per_day"]] == ["2025-11-20", "2025-11-21"]
    for day in report["per_day"]:
        assert list(day["steps"]) == [name for name, _ in step_argv(date.fromisoformat(day["date"]))]
        for figures in day["steps"].values():
            assert figures["seconds"] > 0 and figures["peak_rss_mb"] > 20  # a Python process at least
            assert figures["cpu_seconds"] > 0
        assert day["total"]["seconds"] >= max(s["seconds"] for s in day["steps"].values())
        assert all(day["steps"][f"extract-{e}"]["rows"] > 0 for e in ("customers", "call-logs"))
    assert set(report["ratios"]) == {*report["per_day"][0]["steps"], "total"}
    assert all(set(r) == {"seconds", "peak_rss", "cpu_seconds"} for r in report["ratios"].values())
    # The table on stdout: a row per step and the total, each with both ratios.
    table = run.stdout.splitlines()[-(len(report["ratios"]) + 1) :]
    assert table[0].split()[:2] == ["step", "day"]
    assert [line.split()[0] for line in table[1:]] == list(report["ratios"])


@pytest.mark.slow
def test_a_failing_step_stops_the_run_with_one_line_naming_it(tmp_path):
    # An unknown volume fails `sources generate` itself, before any step runs.
    run = subprocess.run(
        [sys.executable, "-m", "coretelecoms.bench", "history", "--days", "1", "--volume", "no-such-volume"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("history: sources generate failed") and "volume" in last


def test_the_table_has_a_row_per_step_and_the_total_with_both_ratios():
    first = DayFigures("2025-11-20", {"load": StepFigures(2.0, 100.0, None, 1.0)})
    last = DayFigures("2025-11-21", {"load": StepFigures(3.0, 150.0, None, 2.0)})
    report = {
        "per_day": [{"date": d.date, "steps": {"load": vars(d.steps["load"])}, "total": vars(d.total)}
                    for d in (first, last)],
        "ratios": ratios([first, last]),
    }  # fmt: skip
    lines = format_table(report).splitlines()
    assert [line.split()[0] for line in lines] == ["step", "load", "total"]
    assert lines[1].split() == [
        "load",
        "2.00",
        "3.00",
        "1.50",
        "100.0",
        "150.0",
        "1.50",
        "1.0",
        "2.0",
        "2.00",
    ]


def test_dbt_node_times_split_models_tests_and_unit_tests(tmp_path):
    results = [
        {"unique_id": "model.coretelecoms.fct_complaints", "execution_time": 3.0},
        {"unique_id": "model.coretelecoms.dim_date", "execution_time": 0.5},
        {"unique_id": "test.coretelecoms.unique_fct_complaints_complaint_key.abc", "execution_time": 1.25},
        {"unique_id": "unit_test.coretelecoms.stg_raw__customers.test_gender_codes", "execution_time": 0.75},
    ]
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps({"results": results}))
    times = dbt_node_times(path, top=2)
    assert (times["models"], times["data_tests"], times["unit_tests"]) == (3.5, 1.25, 0.75)
    assert times["slowest"] == [["fct_complaints", 3.0], ["abc", 1.25]]
    assert times["every"] == {r["unique_id"]: r["execution_time"] for r in results}
    assert dbt_node_times(tmp_path / "absent.json") is None


def test_pod_memory_is_each_steps_pod_limit():
    from coretelecoms.orchestrate.pods import SHAPES

    for step in STEPS:
        assert pod_memory_env(step.name) == {"CORETELECOMS_TRANSFORM_MEMORY": SHAPES[step.shape].memory_limit}
    assert pod_memory_env("transform")["CORETELECOMS_TRANSFORM_MEMORY"] == "4Gi"  # the chart's dbt pod


def test_transform_memory_sizes_the_transform_alone():
    assert step_env("transform", pod_memory=False, transform_memory="1GiB") == {
        "CORETELECOMS_TRANSFORM_MEMORY": "1GiB"
    }
    assert step_env("transform", pod_memory=True, transform_memory="1GiB") == {
        "CORETELECOMS_TRANSFORM_MEMORY": "1GiB"
    }
    assert step_env("load", pod_memory=False, transform_memory="1GiB") == {}
    assert step_env("transform", pod_memory=True, transform_memory=None) == pod_memory_env("transform")
