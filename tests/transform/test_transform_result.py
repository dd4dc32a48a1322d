"""Counting dbt's run results into a TransformResult, and dbt messages into one line."""

from __future__ import annotations

import json
from types import SimpleNamespace

from coretelecoms.transform.result import dbt_message_line, summarise


def _result(kind: str, name: str, status: str, message: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        status=status, message=message, node=SimpleNamespace(resource_type=kind, name=name)
    )


def test_counts_models_tests_warnings_failures_and_skips():
    results = [
        _result("model", "stg_a", "success"),
        _result(
            "model", "fct_b", "error", "Runtime Error in model fct_b (models/fct_b.sql)\n  Binder Error: x"
        ),
        _result("test", "unique_a", "pass"),
        _result("unit_test", "test_email_cleaning", "pass"),
        _result("test", "z_is_known", "warn"),
        _result("test", "a_is_known", "warn"),
        _result("test", "not_null_b", "fail", "Got 2 results, configured to fail if != 0"),
        _result("test", "unique_b", "skipped"),
        _result("model", "obt", "skipped"),
    ]
    summary = summarise(
        "local", results, elapsed_seconds=1.234, stale_sources=["raw.agents: missing or empty"]
    )
    assert (summary.models_passed, summary.models_failed) == (1, 1)
    assert (summary.tests_passed, summary.tests_warned, summary.tests_failed) == (2, 2, 1)
    assert summary.skipped == 2
    assert summary.warnings == ("a_is_known", "z_is_known")
    assert summary.failures == (
        "model fct_b: Binder Error: x",
        "test not_null_b: Got 2 results, configured to fail if != 0",
    )
    assert not summary.success
    data = json.loads(summary.to_json())
    assert data == summary.to_dict()
    assert data["elapsed_seconds"] == 1.23 and data["success"] is False
    assert data["stale_sources"] == ["raw.agents: missing or empty"]


def test_a_clean_run_is_a_success():
    summary = summarise("snowflake", [_result("model", "m", "success")], elapsed_seconds=0.1)
    assert summary.success and summary.target == "snowflake"


def test_dbt_message_line_drops_dbt_headers_and_truncates():
    assert dbt_message_line("Runtime Error\n  The profile has no target 'x'.\n  - local") == (
        "The profile has no target 'x'. - local"
    )
    assert (
        dbt_message_line("Compilation Error in model m (models/m.sql)")
        == "Compilation Error in model m (models/m.sql)"
    )
    assert dbt_message_line(None) == ""
    assert len(dbt_message_line("x" * 500)) == 240


def test_dbt_message_line_of_an_exception_without_text_names_its_type():
    assert dbt_message_line(RuntimeError()) == "RuntimeError"


def test_a_failed_publish_hook_fails_the_build():
    results = [_result("model", "m", "success"), _result("operation", "coretelecoms-on-run-end-0", "error", "boom")]
    summary = summarise("local", results, elapsed_seconds=0.1)
    assert summary.hooks_failed == 1 and not summary.success
    assert summary.failures == ("hook coretelecoms-on-run-end-0: boom",)
