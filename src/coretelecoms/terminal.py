"""The terminal and the log: live lines in a terminal, structured (JSON) log lines in a pod."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
import traceback
from collections.abc import Callable, Iterator

LOG_EVERY_SECONDS = 5.0


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors in a cluster parse without configuration."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload)


class RedactSecrets(logging.Filter):
    """Mask every secret in a record (its message and traceback) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        from coretelecoms.common.redact import redact

        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = redact(message), None
        return True


def interactive() -> bool:
    return sys.stderr.isatty()


def human_output(fmt: str = "auto") -> bool:
    """Whether output is for a person (a terminal, or --log-format text) rather than a log collector."""
    return fmt == "text" or (fmt == "auto" and interactive())


def setup_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Human-readable logs in a terminal, JSON lines elsewhere (fmt: auto, text or json)."""
    handler: logging.Handler
    if not human_output(fmt):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
    else:
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, rich_tracebacks=False)
        # Without a formatter of its own, basicConfig gives the handler "%(levelname)s:%(name)s:…", which
        # RichHandler prints after its own level column: "INFO INFO:coretelecoms…".
        handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactSecrets())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # its start/stop chatter is not ours to show


@contextlib.contextmanager
def row_progress(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """Yield an `advance(rows)` callback: a live bar in a terminal, a log line every few seconds otherwise."""
    if interactive():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda rows: bar.advance(task, rows)
        return
    log = logging.getLogger("coretelecoms.progress")
    state = {"rows": 0, "last": time.monotonic()}

    def advance(rows: int) -> None:
        state["rows"] += rows
        now = time.monotonic()
        if now - state["last"] >= LOG_EVERY_SECONDS:
            state["last"] = now
            log.info("%s: %d rows", description, state["rows"], extra={"fields": {"rows": state["rows"]}})

    yield advance


def describe(summary: object) -> str:
    """A step's outcome as one line a person reads (the JSON summary is for machines)."""
    from coretelecoms.load.common import LoadSummary

    # Not imported here: the extract engine needs numpy, which the loader and dbt images do not carry. A
    # summary can only be an ExtractSummary if the engine that made it is loaded already.
    engine = sys.modules.get("coretelecoms.extract.engine")
    if engine is not None and isinstance(summary, engine.ExtractSummary):
        line = (
            f"extract {summary.entity} {summary.date}: read {summary.rows_read:,}, "
            f"written {summary.rows_written:,}, quarantined {summary.rows_quarantined:,}"
        )
        if summary.drift_columns:
            line += f"; drift: {', '.join(summary.drift_columns)}"
        return line
    if isinstance(summary, LoadSummary):
        same = [t.table for t in summary.tables if t.unchanged_since]
        unchanged = f"; unchanged {', '.join(same)}" if same else ""
        return f"load {summary.date}: {summary.rows_loaded:,} rows into {summary.warehouse}{unchanged}"
    counts = getattr(summary, "models_passed", None)
    if counts is not None:  # a TransformResult (dbt is not importable everywhere)
        s = summary
        return (
            f"transform on {s.target}: {s.models_passed} models, {s.tests_passed} tests passed, "
            f"{s.tests_warned} warned, {s.models_failed + s.tests_failed} failed, {s.skipped} skipped"
        )
    return str(summary)
