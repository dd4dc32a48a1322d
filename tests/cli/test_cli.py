"""The CLI contract: usage errors exit 2, failed steps exit 1 with one line, --json summaries reconcile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "coretelecoms", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def _env(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    return {**env, "CORETELECOMS_HOME": str(home), **extra}


def test_bad_date_is_a_usage_error(tmp_path):
    result = _cli("extract", "call-logs", "--date", "2025-13-45", env=_env(tmp_path))
    assert result.returncode == 2
    assert "is not a date in YYYY-MM-DD form" in result.stderr


def test_unknown_entity_is_a_usage_error(tmp_path):
    result = _cli("extract", "invoices", "--date", "2025-11-20", env=_env(tmp_path))
    assert result.returncode == 2
    assert "invoices" in result.stderr


def test_missing_source_is_one_line_and_exit_1(tmp_path):
    result = _cli("--log-level", "ERROR", "extract", "call-logs", "--date", "2025-11-20", env=_env(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: source file not found:")
    assert "call logs/call_logs_day_2025-11-20.csv" in result.stderr
    assert not (tmp_path / "lake" / "raw").exists()


def test_json_summary_reconciles(tmp_path):
    bucket = tmp_path / "sources" / "bucket" / "customers"
    bucket.mkdir(parents=True)
    (bucket / "customers_dataset.csv").write_text(
        'customer_id,name,Gender,DATE of biRTH,signup_date,email,address\nc1,A,F,1990-01-01,2024-01-01,a@b.com,"1 St\nX, CA 90001"\n,B,M,,,,\n'
    )
    # Half the rows quarantined is above the default limit (issue 11.6); this test is about the summary.
    env = _env(tmp_path, CORETELECOMS_MAX_QUARANTINE_SHARE="1")
    result = _cli("extract", "customers", "--date", "2025-11-20", "--json", env=env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) >= {
        "entity",
        "date",
        "rows_read",
        "rows_written",
        "rows_quarantined",
        "outputs",
        "quarantine",
    }
    assert (summary["rows_read"], summary["rows_written"], summary["rows_quarantined"]) == (2, 1, 1)
    assert summary["outputs"][0].endswith("raw/customers/ingest_date=2025-11-20/part-00000.parquet")


def _listed_commands(help_text: str) -> set[str]:
    """The names in the "Commands:" section of a click help page (not words anywhere in the text)."""
    section = help_text.split("\nCommands:\n", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ") and line[2] != " "}


def test_help_lists_every_command(tmp_path):
    from coretelecoms.cli import cli

    result = _cli("--help", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    listed = _listed_commands(result.stdout)
    assert listed == set(cli.commands)
    assert listed >= {"sources", "extract", "load", "transform", "run", "demo", "workflows"}
    for command in sorted(listed):
        sub = _cli(command, "--help", env=_env(tmp_path))
        assert sub.returncode == 0 and sub.stdout.startswith(f"Usage: coretelecoms {command} "), sub.stderr


def test_summary_file_for_orchestrators(tmp_path):
    bucket = tmp_path / "sources" / "bucket" / "customers"
    bucket.mkdir(parents=True)
    (bucket / "customers_dataset.csv").write_text(
        "customer_id,name,Gender,DATE of biRTH,signup_date,email,address\nc1,A,F,,,,\n"
    )
    target = tmp_path / "out" / "summary.json"
    result = _cli(
        "extract", "customers", "--date", "2025-11-20", "--summary-file", str(target), env=_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["rows_written"] == 1
    assert result.stdout == ""


def test_generate_with_mess_overrides_and_failure_days(tmp_path):
    env = _env(tmp_path)
    result = _cli(
        "sources", "generate", "--start", "2025-11-20", "--days", "2", "--scale", "0.05", "--clean",
        "--mess", "duplicate=0.5", "--missing-day", "call-logs=2025-11-21", "--json", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert manifest["rates"]["duplicate"] == 0.5 and manifest["rates"]["bad_timestamp"] == 0.0
    assert manifest["entities"]["call-logs"]["days"]["2025-11-21"]["status"] == "missing"
    failed = _cli("--log-level", "ERROR", "extract", "call-logs", "--date", "2025-11-21", env=env)
    assert failed.returncode == 1 and "call_logs_day_2025-11-21.csv" in failed.stderr


def test_unknown_mess_name_is_a_usage_error(tmp_path):
    result = _cli("sources", "generate", "--start", "2025-11-20", "--days", "1", "--mess", "gremlins=0.1",
                  env=_env(tmp_path))  # fmt: skip
    assert result.returncode == 2
    assert "gremlins" in result.stderr
