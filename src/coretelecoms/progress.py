"""User feedback: a progress bar in a terminal, structured (JSON) log lines in a pod."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
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


def interactive() -> bool:
    return sys.stderr.isatty()


def setup_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Human-readable logs in a terminal, JSON lines elsewhere (fmt: auto, text or json)."""
    handler: logging.Handler
    if fmt == "json" or (fmt == "auto" and not interactive()):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
    else:
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, rich_tracebacks=False)
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
