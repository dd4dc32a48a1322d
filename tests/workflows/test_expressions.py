"""The run-date expression: the day before the scheduled time, or the date given - as Argo evaluates it.

Argo evaluates `{{=…}}` with the expr language over a map built from its dotted variable names; the
local stand-in (argo_local) builds that map the same way, including Argo's rule that a name with
children (`workflow.creationTimestamp` has `.RFC3339`, `.Y`, …) is only a map in expressions.
"""

from __future__ import annotations

import pytest
from argo_local import evaluate, expression_env, substitute, when_true

from coretelecoms.orchestrate.daily import RUN_DATE_EXPR


def _globals(run_date: str, created: str, scheduled: str | None = None) -> dict[str, str]:
    flat = {
        "workflow.name": "coretelecoms-daily-abcde",
        "workflow.parameters.run-date": run_date,
        "workflow.parameters.target": "snowflake",
        "workflow.creationTimestamp": created,
        "workflow.creationTimestamp.RFC3339": created,
        "workflow.creationTimestamp.Y": created[:4],
    }
    if scheduled:
        flat["workflow.scheduledTime"] = scheduled
    return flat


@pytest.mark.parametrize(
    ("run_date", "created", "scheduled", "expected"),
    [
        # A cron run: the day before the scheduled time, whenever the pod actually starts.
        ("yesterday", "2025-11-21T03:00:07Z", "2025-11-21T03:00:00Z", "2025-11-20"),
        ("yesterday", "2025-11-21T04:10:00Z", "2025-11-21T03:00:00Z", "2025-11-20"),  # a late start
        ("yesterday", "2025-12-01T03:00:02Z", "2025-12-01T03:00:00Z", "2025-11-30"),
        ("yesterday", "2026-01-01T03:00:02Z", "2026-01-01T03:00:00Z", "2025-12-31"),
        ("yesterday", "2024-03-01T03:00:02Z", "2024-03-01T03:00:00Z", "2024-02-29"),
        # A cron in a zone ahead of UTC: the zone's calendar, not UTC's (00:30+01:00 is 23:30 UTC the day before).
        ("yesterday", "2025-11-20T23:30:01Z", "2025-11-21T00:30:00+01:00", "2025-11-20"),
        # A manual run without -p run-date: the day before its creation (UTC).
        ("yesterday", "2025-11-21T15:42:00Z", None, "2025-11-20"),
        # An explicit date always wins, also in a cron run.
        ("2025-10-05", "2025-11-21T15:42:00Z", None, "2025-10-05"),
        ("2025-10-05", "2025-11-21T03:00:07Z", "2025-11-21T03:00:00Z", "2025-10-05"),
    ],
)
def test_run_date(run_date, created, scheduled, expected):
    assert substitute(RUN_DATE_EXPR, _globals(run_date, created, scheduled)) == expected


def test_creation_timestamp_is_a_map_in_expressions():
    env = expression_env(_globals("yesterday", "2025-11-21T03:00:07Z"))
    assert env["workflow"]["creationTimestamp"] == {"RFC3339": "2025-11-21T03:00:07Z", "Y": "2025"}
    assert env["workflow"]["parameters"]["run-date"] == "yesterday"
    with pytest.raises(TypeError):  # why the expression reads .RFC3339
        evaluate("date(workflow.creationTimestamp)", _globals("yesterday", "2025-11-21T03:00:07Z"))


def test_the_evaluator_fails_on_what_argo_would_reject():
    with pytest.raises(SyntaxError):
        evaluate("date(", {})
    with pytest.raises(NameError):
        evaluate("sprig_date('2006-01-02')", {})
    with pytest.raises(KeyError):
        substitute("{{inputs.parameters.nope}}", {})


@pytest.mark.parametrize(
    ("condition", "expected"),
    [("Failed != Succeeded", True), ("Error != Succeeded", True), ("Succeeded != Succeeded", False)],
)
def test_exit_handler_condition(condition, expected):
    assert when_true(condition) is expected
