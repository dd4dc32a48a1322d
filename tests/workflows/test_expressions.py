"""The run-date expression: the day before the scheduled time, or the date given - as Argo evaluates it.

Argo evaluates `{{=…}}` with the expr language over a map built from its dotted variable names; the
local stand-in (argo_local) builds that map the same way, including Argo's rule that a name with
children (`workflow.creationTimestamp` has `.RFC3339`, `.Y`, …) is only a map in expressions.
"""

from __future__ import annotations

import pytest
from argo_local import evaluate, expression_env, substitute, when_true

from coretelecoms.orchestrate.daily import RUN_DATE_EXPR


def _globals(run_date: str, created: str, scheduled: str | None = None, zone: str = "UTC") -> dict[str, str]:
    flat = {
        "workflow.name": "coretelecoms-daily-abcde",
        "workflow.parameters.run-date": run_date,
        "workflow.parameters.timezone": zone,
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
        # An offset in the scheduled time is only an instant: 00:30+01:00 is 23:30 UTC, the 20th in UTC.
        ("yesterday", "2025-11-20T23:30:01Z", "2025-11-21T00:30:00+01:00", "2025-11-19"),
        # A manual run without -p run-date: the day before its creation (UTC).
        ("yesterday", "2025-11-21T15:42:00Z", None, "2025-11-20"),
        # An explicit date always wins, also in a cron run.
        ("2025-10-05", "2025-11-21T15:42:00Z", None, "2025-10-05"),
        ("2025-10-05", "2025-11-21T03:00:07Z", "2025-11-21T03:00:00Z", "2025-10-05"),
    ],
)
def test_run_date(run_date, created, scheduled, expected):
    assert substitute(RUN_DATE_EXPR, _globals(run_date, created, scheduled)) == expected


# Argo formats workflow.scheduledTime in the *controller's* zone (UTC in its image), not the cron's:
# robfig/cron returns Prev in the scheduler's location. These are such times for crons in other zones.
@pytest.mark.parametrize(
    ("zone", "scheduled", "expected"),
    [
        # "30 0 * * *" Europe/Berlin on 21 Nov = 23:30 UTC on the 20th: Berlin's yesterday is the 20th.
        ("Europe/Berlin", "2025-11-20T23:30:00Z", "2025-11-20"),
        # "0 2 * * *" Asia/Tokyo on 21 Nov = 17:00 UTC on the 20th.
        ("Asia/Tokyo", "2025-11-20T17:00:00Z", "2025-11-20"),
        # "0 22 * * *" Pacific/Honolulu on 20 Nov = 08:00 UTC on the 21st: Honolulu's yesterday is the 19th.
        ("Pacific/Honolulu", "2025-11-21T08:00:00Z", "2025-11-19"),
        # "30 0 * * *" Europe/London on 31 Mar 2025, the night after clocks went forward (00:30 BST =
        # 23:30 UTC on the 30th): a calendar day back is the 30th; 24 hours back would be the 29th.
        ("Europe/London", "2025-03-30T23:30:00Z", "2025-03-30"),
        # ... and on 27 Oct, the night after they went back (00:30 GMT): the 26th.
        ("Europe/London", "2025-10-27T00:30:00Z", "2025-10-26"),
        ("UTC", "2025-11-21T03:00:00Z", "2025-11-20"),
    ],
)
def test_run_date_is_the_cron_zones_yesterday(zone, scheduled, expected):
    flat = _globals("yesterday", scheduled, scheduled, zone=zone)
    assert substitute(RUN_DATE_EXPR, flat) == expected


def test_a_manual_run_reckons_yesterday_in_the_zone_too():
    # Submitted at 23:10 UTC on the 20th = 08:10 on the 21st in Tokyo: Tokyo's yesterday is the 20th.
    assert (
        substitute(RUN_DATE_EXPR, _globals("yesterday", "2025-11-20T23:10:00Z", zone="Asia/Tokyo"))
        == "2025-11-20"
    )
    with pytest.raises(Exception, match="Nowhere"):  # a bad zone fails the run instead of guessing
        substitute(RUN_DATE_EXPR, _globals("yesterday", "2025-11-20T23:10:00Z", zone="Nowhere/Else"))


def test_the_expression_uses_only_what_argo_37_provides():
    """expr 1.17 builtins (date, timezone) and Go time methods (In, AddDate, Format); no sprig, no Add(-24h)."""
    assert "sprig" not in RUN_DATE_EXPR and "duration(" not in RUN_DATE_EXPR
    assert ".In(timezone(workflow.parameters['timezone'])).AddDate(0, 0, -1)" in RUN_DATE_EXPR


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
