"""Progress lines: readable on a terminal, one JSON object per node otherwise."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

from coretelecoms.transform.progress import DbtNodeReporter


def _event(name: str, **data) -> SimpleNamespace:
    return SimpleNamespace(info=SimpleNamespace(name=name), data=SimpleNamespace(**data))


def _finished(kind: str, name: str, schema: str, status: str, seconds: float) -> SimpleNamespace:
    node = SimpleNamespace(resource_type=kind, node_name=name, node_relation=SimpleNamespace(schema=schema))
    return _event(
        "NodeFinished", node_info=node, run_result=SimpleNamespace(status=status, execution_time=seconds)
    )


EVENTS = [
    _event("LogStartLine", total=3),
    _finished("model", "fct_complaints", "marts", "success", 0.123),
    _finished("test", "unique_fct_complaints_complaint_key", "dbt_test__audit", "warn", 0.02),
    _event("SomethingElse"),
]


def test_structured_lines_when_not_a_terminal():
    out = io.StringIO()  # not a TTY: structured by default
    progress = DbtNodeReporter(out)
    for event in EVENTS:
        progress(event)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert records == [
        {"event": "dbt_node", "index": 1, "total": 3, "kind": "model", "node": "marts.fct_complaints",
         "status": "success", "seconds": 0.12},
        {"event": "dbt_node", "index": 2, "total": 3, "kind": "test", "node": "unique_fct_complaints_complaint_key",
         "status": "warn", "seconds": 0.02},
    ]  # fmt: skip


def test_readable_lines_on_a_terminal():
    out = io.StringIO()
    progress = DbtNodeReporter(out, structured=False)
    for event in EVENTS:
        progress(event)
    assert out.getvalue().splitlines() == [
        "   1/3    OK    model     marts.fct_complaints  (0.12s)",
        "   2/3    WARN  test      unique_fct_complaints_complaint_key  (0.02s)",
    ]
