"""Per-node progress of a dbt invocation: readable lines on a terminal, JSON lines otherwise."""

from __future__ import annotations

import json
import sys
import threading
from typing import IO, Any

# dbt statuses as people read them on a terminal.
_LABELS = {
    "success": "OK",
    "pass": "PASS",
    "warn": "WARN",
    "fail": "FAIL",
    "error": "ERROR",
    "skipped": "SKIP",
    "runtime error": "ERROR",
}


class DbtNodeReporter:
    """A dbtRunner callback reporting each finished node (model, test, source) as one line.

    dbt's own console output is switched off by the caller: it interleaves a dozen lines of
    preamble and a wrapped failure summary that the caller reports in one line anyway.
    Lines go to stderr so that a `--json` summary on stdout stays machine-readable.
    """

    def __init__(self, stream: IO[str] | None = None, *, structured: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.structured = not _is_terminal(self.stream) if structured is None else structured
        self.total = 0
        self.done = 0
        self._lock = threading.Lock()  # dbt calls back from its worker threads

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name == "LogStartLine":
            self.total = max(self.total, int(event.data.total or 0))
        elif name == "NodeFinished":
            self._finished(event.data)

    def _finished(self, data: Any) -> None:
        node = data.node_info
        result = data.run_result
        with self._lock:
            self.done += 1
            self._emit(
                {
                    "event": "dbt_node",
                    "index": self.done,
                    "total": max(self.total, self.done),
                    "kind": node.resource_type,
                    "node": _display_name(node),
                    "status": result.status,
                    "seconds": round(result.execution_time, 2),
                }
            )

    def _emit(self, record: dict[str, Any]) -> None:
        if self.structured:
            line = json.dumps(record)
        else:
            label = _LABELS.get(record["status"], record["status"].upper())
            position = f"{record['index']:>4}/{record['total']:<4}"
            line = f"{position} {label:<5} {record['kind']:<9} {record['node']}  ({record['seconds']:.2f}s)"
        print(line, file=self.stream, flush=True)


def _display_name(node: Any) -> str:
    """`marts.fct_complaints` for a relation, `raw.call_logs` for a source, the bare name for a test."""
    schema = node.node_relation.schema
    if node.resource_type in ("model", "seed", "snapshot", "source") and schema:
        return f"{schema}.{node.node_name}"
    return node.node_name


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
