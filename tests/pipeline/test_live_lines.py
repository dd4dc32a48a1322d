"""A calm terminal (issue 14.6): one live line per running step, one line per outcome, dbt summarised."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from coretelecoms.extract.engine import ExtractSummary
from coretelecoms.live_lines import LiveLines
from coretelecoms.pipeline import runner
from coretelecoms.pipeline.steps import STEPS
from coretelecoms.settings import Settings
from coretelecoms.transform import TransformResult


def _screen(raw: str) -> list[str]:
    """The lines a terminal keeps: control sequences dropped, each line as last redrawn."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
    return [line.rsplit("\r", 1)[-1].rstrip() for line in plain.splitlines()]


def _dbt_event(name: str, **data) -> SimpleNamespace:
    return SimpleNamespace(info=SimpleNamespace(name=name), data=SimpleNamespace(**data))


def _finished(node: str, status: str) -> SimpleNamespace:
    return _dbt_event("NodeFinished", node_info=SimpleNamespace(node_name=node),
                      run_result=SimpleNamespace(status=status))  # fmt: skip


def _fake(step):
    """The step's run replaced by one that streams rows (extracts) or dbt events (transform) as the real ones do."""

    def run(step_run):
        if step.per_date and step.name.startswith("extract-"):
            for _ in range(3):
                step_run.rows_done(100)
            return ExtractSummary(entity=step.command[1], date=str(step_run.day), rows_read=300, rows_written=299,
                                  rows_quarantined=1)  # fmt: skip
        if not step.per_date:
            step_run.dbt_events(_dbt_event("LogStartLine", index=1, total=2))
            step_run.dbt_events(_finished("fct_complaints", "success"))
            step_run.dbt_events(_finished("accepted_values_x", "warn"))
            return TransformResult(
                target="local", models_passed=1, tests_warned=1, warnings=("accepted_values_x",)
            )
        return SimpleNamespace(to_json=lambda: "{}", date=str(step_run.day))

    return replace(step, run=run)


def test_one_outcome_line_per_step_and_dbt_summarised(tmp_path):
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    steps = tuple(_fake(s) for s in STEPS)
    days = [date(2025, 11, 20), date(2025, 11, 21)]
    per_date = sum(s.per_date for s in steps)
    with LiveLines(per_date * 2 + 1, console=console) as lines:
        report = runner.run_pipeline(days, Settings(home=tmp_path), run_id="t", steps=steps, watcher=lines)
    screen = _screen(out.getvalue())
    text = "\n".join(screen)
    outcomes = [line for line in screen if line.startswith("✓")]
    assert len(outcomes) == len(report.outcomes) == per_date * 2 + 1
    assert "✓ extract customers 2025-11-20: read 300, written 299, quarantined 1" in text
    assert "✓ transform on local: 1 models, 0 tests passed, 1 warned, 0 failed, 0 skipped" in text
    assert "    warn: accepted_values_x" in text  # only the problem nodes are named
    assert "fct_complaints" not in text and '{"' not in text


def _pty_run(home: Path, *args: str) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal (what a person sees) and return its exit code and output."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    proc = subprocess.Popen([sys.executable, "-m", "coretelecoms", *args], stdin=slave, stdout=slave, stderr=slave,
                            env={**env, "CORETELECOMS_HOME": str(home), "COLUMNS": "120", "TERM": "xterm"})  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 900)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_run_in_a_terminal_is_calm_and_in_a_pod_stays_json(tmp_path):
    home = tmp_path / "home"
    code, _ = _pty_run(home, "sources", "generate", "--start", "2025-11-20", "--days", "1")
    assert code == 0
    code, text = _pty_run(home, "run", "--date", "2025-11-20")
    assert code == 0, text[-3000:]
    final = _screen(text)
    outcomes = [line for line in final if line.startswith("✓")]
    assert len(outcomes) == len(STEPS), final
    assert any(line.startswith("✓ transform on local:") for line in outcomes)
    assert "INFO INFO" not in text and "INFO:coretelecoms" not in text and '{"' not in text
    assert "dbt nodes" in text  # the live line counted dbt's nodes against dbt's total
    # No terminal (a pod): every stderr line is one JSON object.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    pod = subprocess.run([sys.executable, "-m", "coretelecoms", "run", "--date", "2025-11-20"], capture_output=True,
                         text=True, env={**env, "CORETELECOMS_HOME": str(home)}, timeout=900)  # fmt: skip
    assert pod.returncode == 0, pod.stderr[-3000:]
    records = [json.loads(line) for line in pod.stderr.splitlines()]
    assert any(r.get("event") == "dbt_node" for r in records) and any(
        "step load" in r.get("msg", "") for r in records
    )


@pytest.mark.slow
def test_demo_ends_with_a_summary_the_report_and_a_query_hint_that_works(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    demo = subprocess.run([sys.executable, "-m", "coretelecoms", "demo", "--days", "1"], capture_output=True,
                          text=True, env={**env, "CORETELECOMS_HOME": str(home)}, timeout=900)  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-3000:]
    lines = dict(line.split(maxsplit=1) for line in demo.stdout.splitlines()[-4:])
    assert set(lines) == {"lake", "warehouse", "report", "query"}, demo.stdout
    report = Path(lines["report"])
    assert report == home / "report" / "index.html" and report.stat().st_size > 1000
    assert "<html" in report.read_text(encoding="utf-8").lower()
    assert "customers" in demo.stdout and "loaded" in demo.stdout and "fct_complaints" in demo.stdout
    assert lines["query"].startswith("python -c ")
    hint = lines["query"].removeprefix("python -c ").strip('"')
    query = subprocess.run([sys.executable, "-c", hint], capture_output=True, text=True, timeout=120)
    assert query.returncode == 0 and "complaints" in query.stdout, query.stderr


def test_a_step_command_in_a_terminal_gets_one_line_too(tmp_path):
    from coretelecoms.live_lines import watch_one
    from coretelecoms.pipeline.steps import find_step
    from coretelecoms.pipeline.tasks import StepRun

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    transform = _fake(find_step("transform"))
    run = StepRun(settings=Settings(home=tmp_path), run_id="t")
    result = watch_one(transform, run, transform.run, console=console)
    screen = [line for line in _screen(out.getvalue()) if line]
    assert result.tests_warned == 1
    assert [line for line in screen if line.startswith("✓")] == [
        next(line for line in screen if line.startswith("✓ transform on local: 1 models"))
    ]
    assert "    warn: accepted_values_x" in screen
