"""The exit handler's Slack alert: which workflow failed, which steps and why, and the link to the Argo UI."""

from __future__ import annotations

import ast
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from coretelecoms.common.errors import PipelineError

# Retry attempts of a step appear in Argo's failures as `step(0)`, `step(1)`, …; fan-out items as
# `day(0:2025-11-01)`, which say which date failed and are kept.
_ATTEMPT = re.compile(r"\(\d+\)$")
# DAG nodes fail with "child '<node id>' failed": the leaf below them carries the real reason.
_AGGREGATE = re.compile(r"^child '[^']*' (failed|errored)")


@dataclass(frozen=True)
class FailedStep:
    name: str
    message: str


def decode_failures(raw: str) -> list[dict]:
    """Argo's `{{workflow.failures}}`: a JSON list, which Argo quotes once more (Go `strconv.Quote`) so it
    survives shell substitution; without a shell the container receives the quoted form. Both are accepted."""
    value: object = raw.strip()
    for _ in range(3):
        if not isinstance(value, str):
            break
        if not value:
            return []
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            # Go escapes such as \x7f or \a are not JSON; as a Python literal they mean the same.
            try:
                value = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return [{"displayName": "?", "message": f"unreadable failure list: {raw[:200]}"}]
    return [f for f in value if isinstance(f, dict)] if isinstance(value, list) else []


def failed_steps(failures: list[dict], workflow: str) -> list[FailedStep]:
    """The failed steps worth naming: not the workflow itself, not DAGs that failed because a child did,
    each step once with its last attempt's message, in the order they finished.

    A step with a retry strategy fails as a Retry node ("No more retries left") above its attempts
    `step(0)`, `step(1)`, …, whose messages say why; the attempts win over the Retry node.
    """
    latest: dict[str, tuple[bool, str, str]] = {}
    for failure in failures:
        shown = str(failure.get("displayName") or failure.get("templateName") or "?")
        name = _ATTEMPT.sub("", shown)
        attempt = name != shown
        message = _last_line(str(failure.get("message") or ""))
        if name == workflow or _AGGREGATE.match(message):
            continue
        finished = str(failure.get("finishedAt") or "")
        if name not in latest or (attempt, finished) >= latest[name][:2]:
            latest[name] = (attempt, finished, message)
    ordered = sorted(latest.items(), key=lambda item: item[1][1])
    return [FailedStep(name, message) for name, (_, _, message) in ordered]


def _last_line(message: str, limit: int = 300) -> str:
    # With terminationMessagePolicy FallbackToLogsOnError a failed step's message is its log tail; the
    # CLI's last line is its one-line `error: …`. Other messages ("OOMKilled", "Error (exit code 1)") are one line.
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last if len(last) <= limit else last[: limit - 1] + "…"


def slack_payload(
    *, workflow: str, namespace: str, status: str, steps: list[FailedStep], link: str, context: str = ""
) -> dict:
    """An incoming-webhook message: plain `text` for notifications, `blocks` for the channel."""
    headline = f"Argo workflow {workflow} {status.lower()}" + (f" ({context})" if context else "")
    if steps:
        lines = [f"• {s.name}: {s.message or 'no message'}" for s in steps]
    else:
        lines = ["• no failed step was recorded (see the workflow's message)"]
    text = "\n".join([f"{headline}", *lines, link])
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f":rotating_light: *{headline}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"namespace {namespace} · <{link}|open in Argo>"}],
            },
        ],
    }


def post(webhook_url: str, payload: dict, timeout: float = 10.0) -> None:
    """POST the payload; any answer but 2xx is a PipelineError (Argo retries the exit-handler pod)."""
    if not webhook_url.startswith(("https://", "http://")):
        raise PipelineError("the Slack webhook URL must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        webhook_url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as exc:
        raise PipelineError(f"Slack refused the alert: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PipelineError(f"could not reach the Slack webhook: {reason}") from exc
