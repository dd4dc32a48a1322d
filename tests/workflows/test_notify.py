"""The exit handler's command: reading Argo's failure list, the Slack payload, posting it; the date listing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from workflows_cli import workflows_cli as _cli

from coretelecoms.common.errors import PipelineError
from coretelecoms.orchestrate.notify import FailedStep, decode_failures, failed_steps, post, slack_payload

WF = "coretelecoms-daily-x7k2p"
# What Argo records for a daily run whose call-logs extract failed all its attempts: the workflow's root
# DAG, the `day` DAG, the retry node and its attempts, each with its own message.
FAILURES = [
    {"displayName": WF, "message": "child 'coretelecoms-daily-x7k2p-1' failed", "templateName": "main",
     "phase": "Failed", "podName": WF, "finishedAt": "2025-11-21T03:09:40Z"},
    {"displayName": "day", "message": "child 'coretelecoms-daily-x7k2p-2' failed", "templateName": "day",
     "phase": "Failed", "podName": "", "finishedAt": "2025-11-21T03:09:39Z"},
    {"displayName": "extract-call-logs", "message": "No more retries left", "templateName": "extract-call-logs",
     "phase": "Failed", "podName": "", "finishedAt": "2025-11-21T03:09:39Z"},
    {"displayName": "extract-call-logs(0)", "message": '{"level": "info"}\nerror: source file not found: a.csv',
     "templateName": "extract-call-logs", "phase": "Failed", "podName": "p0", "finishedAt": "2025-11-21T03:00:40Z"},
    {"displayName": "extract-call-logs(3)", "message": '{"level": "info"}\nerror: source file not found: b.csv',
     "templateName": "extract-call-logs", "phase": "Failed", "podName": "p3", "finishedAt": "2025-11-21T03:09:38Z"},
    {"displayName": "extract-web-forms(0)", "message": "OOMKilled", "templateName": "extract-web-forms",
     "phase": "Error", "podName": "p9", "finishedAt": "2025-11-21T03:01:00Z"},
    {"displayName": "extract-web-forms", "message": "retryStrategy.expression evaluated to false",
     "templateName": "extract-web-forms", "phase": "Error", "podName": "", "finishedAt": "2025-11-21T03:01:01Z"},
]  # fmt: skip


def _go_quote(text: str) -> str:
    """Go's strconv.Quote for this ASCII text: what Argo substitutes for {{workflow.failures}}."""
    return json.dumps(text)


def test_failures_arrive_quoted_or_plain():
    plain = json.dumps(FAILURES)
    assert decode_failures(plain) == FAILURES
    assert decode_failures(_go_quote(plain)) == FAILURES
    assert decode_failures(r'"[{\"displayName\":\"a\x7fb\",\"message\":\"m\"}]"') == [
        {"displayName": "a\x7fb", "message": "m"}
    ]
    assert decode_failures("") == decode_failures("null") == []
    assert decode_failures("{{workflow.failures}}")[0]["message"].startswith("unreadable failure list")


def test_each_failed_step_once_with_its_last_error_in_finishing_order():
    steps = failed_steps(FAILURES, WF)
    assert steps == [
        FailedStep("extract-web-forms", "OOMKilled"),
        FailedStep("extract-call-logs", "error: source file not found: b.csv"),
    ]


def test_backfill_dates_stay_named():
    failures = [
        {"displayName": "day(3:2025-11-04)", "message": "Error (exit code 1)", "finishedAt": "2"},
        {"displayName": "extract-customers(1)", "message": "error: boom", "finishedAt": "1"},
    ]
    assert [s.name for s in failed_steps(failures, "coretelecoms-backfill-abcde")] == [
        "extract-customers",
        "day(3:2025-11-04)",
    ]


def test_payload():
    payload = slack_payload(
        workflow=WF,
        namespace="coretelecoms",
        status="Failed",
        steps=[FailedStep("extract-call-logs", "error: source file not found: b.csv")],
        link="https://argo.example.test/workflows/coretelecoms/" + WF,
        context="run-date 2025-11-20, target snowflake",
    )
    assert payload["text"] == (
        f"Argo workflow {WF} failed (run-date 2025-11-20, target snowflake)\n"
        "• extract-call-logs: error: source file not found: b.csv\n"
        f"https://argo.example.test/workflows/coretelecoms/{WF}"
    )
    assert payload["blocks"][1]["text"]["text"] == "• extract-call-logs: error: source file not found: b.csv"
    assert f"<https://argo.example.test/workflows/coretelecoms/{WF}|open in Argo>" in json.dumps(payload)


NOTIFY = ("notify", "--workflow", WF, "--namespace", "coretelecoms", "--status", "Failed",
          "--failures", _go_quote(json.dumps(FAILURES)), "--context", "run-date 2025-11-20")  # fmt: skip


def test_notify_posts_to_the_webhook_from_the_environment(http_sink):
    env = {
        "CORETELECOMS_SLACK_WEBHOOK_URL": http_sink.url,
        "CORETELECOMS_ARGO_UI_URL": "https://argo.example.test",
    }
    result = _cli(*NOTIFY, env=env)
    assert result.returncode == 0, result.stderr
    assert len(http_sink.received) == 1
    path, content_type, payload = http_sink.received[0]
    assert (path, content_type) == ("/services/T000/B000/XXXX", "application/json")
    assert payload["text"].splitlines() == [
        f"Argo workflow {WF} failed (run-date 2025-11-20)",
        "• extract-web-forms: OOMKilled",
        "• extract-call-logs: error: source file not found: b.csv",
        f"https://argo.example.test/workflows/coretelecoms/{WF}",
    ]
    assert http_sink.url not in result.stdout + result.stderr  # the webhook is a secret: never echoed


def test_notify_failures_are_one_line(http_sink):
    http_sink.status = 403
    refused = _cli(*NOTIFY, env={"CORETELECOMS_SLACK_WEBHOOK_URL": http_sink.url})
    assert refused.returncode == 1
    assert refused.stderr == "error: Slack refused the alert: HTTP 403 Forbidden\n"

    unset = _cli(*NOTIFY)
    assert unset.returncode == 1
    assert unset.stderr == "error: CORETELECOMS_SLACK_WEBHOOK_URL is not set: cannot send the alert\n"


SKIPPED = "no Slack webhook configured (secret coretelecoms-slack, key webhook-url): alert not sent\n"


def test_a_missing_webhook_is_one_logged_line_only_where_alerts_are_optional():
    """--webhook-optional (the template passes it when alerts are not required, e.g. on kind): the run's
    exit handler succeeds and says why nothing was posted. Required - the default, and production's - fails."""
    optional = _cli(*NOTIFY, "--webhook-optional")
    assert optional.returncode == 0, optional.stderr
    assert optional.stderr == SKIPPED
    assert optional.stdout == ""

    for required in (_cli(*NOTIFY, "--webhook-required"), _cli(*NOTIFY)):
        assert required.returncode == 1
        assert required.stderr == "error: CORETELECOMS_SLACK_WEBHOOK_URL is not set: cannot send the alert\n"


def test_optional_alerts_are_still_posted_and_still_fail_loudly_when_slack_refuses(http_sink):
    """Optional means the webhook may be absent, not that a configured one may fail silently."""
    env = {"CORETELECOMS_SLACK_WEBHOOK_URL": http_sink.url}
    sent = _cli(*NOTIFY, "--webhook-optional", env=env)
    assert sent.returncode == 0, sent.stderr
    assert len(http_sink.received) == 1 and SKIPPED not in sent.stderr
    http_sink.status = 500
    refused = _cli(*NOTIFY, "--webhook-optional", env=env)
    assert refused.returncode == 1
    assert refused.stderr == "error: Slack refused the alert: HTTP 500 Internal Server Error\n"


def test_notify_dry_run_prints_the_payload():
    result = _cli(*NOTIFY, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"].startswith(f"Argo workflow {WF} failed")


def test_post_rejects_non_http_urls():
    with pytest.raises(PipelineError, match="must be an http"):
        post("file:///etc/passwd", {})


def test_dates_lists_the_range_for_the_fan_out():
    result = _cli("dates", "--start", "2025-02-27", "--end", "2025-03-02")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["2025-02-27", "2025-02-28", "2025-03-01", "2025-03-02"]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-11-03", "2025-11-01", "--end 2025-11-01 is before --start 2025-11-03"),
        ("2024-01-01", "2025-12-31", "2024-01-01 to 2025-12-31 is 731 days; backfill at most 366 at a time"),
        ("2025-11-31", "2025-12-01", "'2025-11-31' is not a date in YYYY-MM-DD form"),
    ],
)
def test_dates_rejects_bad_ranges(start, end, message):
    result = _cli("dates", "--start", start, "--end", end)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


# `coretelecoms workflows …` as the base image runs it: hera, kubernetes and yaml are not installed there.
_BASE_IMAGE_CLI = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("hera", "kubernetes", "yaml"):
            raise ImportError("not in the base image: " + name)
sys.meta_path.insert(0, Block())
from coretelecoms.cli import main
sys.argv = ["coretelecoms", "workflows"] + sys.argv[1:]
main()
"""


def test_the_base_image_runs_the_exit_handler_and_date_listing_without_argo_libraries():
    # The utility pods use the smallest image, which has neither hera nor kubernetes (the `workflows` extra).
    code = _BASE_IMAGE_CLI
    for args in (["dates", "--start", "2025-11-01", "--end", "2025-11-01"], [*NOTIFY, "--dry-run"]):
        result = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr


def test_the_base_image_skips_an_optional_alert_without_argo_libraries():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    result = subprocess.run(
        [sys.executable, "-c", _BASE_IMAGE_CLI, *NOTIFY, "--webhook-optional"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith(SKIPPED)
