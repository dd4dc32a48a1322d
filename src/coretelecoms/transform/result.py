"""What a `dbt build` did, counted from dbt's run results: the summary the CLI prints and returns."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from coretelecoms.common.errors import first_line

# dbt's resource types and statuses, as strings (dbt's enums are str subclasses).
_MODEL_TYPES = frozenset({"model", "seed", "snapshot"})
_TEST_TYPES = frozenset({"test", "unit_test"})


@dataclass(frozen=True)
class TransformResult:
    """Counts of one `dbt build`, plus the sources whose freshness check warned."""

    target: str
    models_passed: int = 0
    models_failed: int = 0
    tests_passed: int = 0
    tests_warned: int = 0
    tests_failed: int = 0
    skipped: int = 0
    # on-run-start/end hooks (preparing the build schema, publishing the marts) that failed.
    hooks_failed: int = 0
    elapsed_seconds: float = 0.0
    # "raw.call_logs: never loaded" - a missing/empty/late RAW table; the build still ran.
    stale_sources: tuple[str, ...] = ()
    # Names of the tests that warned (values outside the canonical sets, ...).
    warnings: tuple[str, ...] = ()
    # "<kind> <name>: <first line of dbt's message>" for every failed node.
    failures: tuple[str, ...] = field(default=())

    @property
    def success(self) -> bool:
        return not (self.models_failed or self.tests_failed or self.hooks_failed)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        data = asdict(self)
        data["stale_sources"] = list(self.stale_sources)
        data["warnings"] = list(self.warnings)
        data["failures"] = list(self.failures)
        data["success"] = self.success
        data["elapsed_seconds"] = round(self.elapsed_seconds, 2)
        return data

    def to_json(self) -> str:
        """The summary as the CLI prints it with `--json` (the same shape as the other steps' summaries)."""
        return json.dumps(self.to_dict())


# dbt opens its messages with "Runtime Error in model x (path)": the caller already names the node.
_HEADER = re.compile(r"^(Runtime|Compilation|Database|Parsing|Dependency) Error( in .*)?$")


def dbt_message_line(message: object, limit: int = 240) -> str:
    """The informative start of a (multi-line) dbt message as one line of at most `limit` characters.

    Like `common.errors.first_line`, but skips dbt's "Runtime Error in model x" header lines and
    keeps the next line too: dbt splits "what failed" and "why" over two lines.
    """
    lines = [line.strip() for line in str(message or "").splitlines() if line.strip()]
    informative = [line for line in lines if not _HEADER.match(line)] or lines
    joined = " ".join(informative[:2])
    return first_line(joined if joined or not isinstance(message, BaseException) else message, limit)


def summarise(
    target: str,
    results: Iterable[Any],
    *,
    elapsed_seconds: float,
    stale_sources: Iterable[str] = (),
) -> TransformResult:
    """Count dbt `RunResult`s (anything with `.status`, `.node.resource_type`, `.node.name`, `.message`)."""
    counts = dict.fromkeys(
        ("models_passed", "models_failed", "tests_passed", "tests_warned", "tests_failed", "skipped", "hooks_failed"),
        0,
    )
    warnings: list[str] = []
    failures: list[str] = []
    for result in results:
        status = str(getattr(result.status, "value", result.status))
        kind = str(getattr(result.node.resource_type, "value", result.node.resource_type))
        name = result.node.name
        if status == "skipped":
            counts["skipped"] += 1
        elif kind in _MODEL_TYPES:
            if status == "success":
                counts["models_passed"] += 1
            else:
                counts["models_failed"] += 1
                failures.append(f"{kind} {name}: {dbt_message_line(result.message) or status}")
        elif kind in _TEST_TYPES:
            if status == "pass":
                counts["tests_passed"] += 1
            elif status == "warn":
                counts["tests_warned"] += 1
                warnings.append(name)
            else:
                counts["tests_failed"] += 1
                failures.append(f"{kind} {name}: {dbt_message_line(result.message) or status}")
        elif kind == "operation" and status == "error":  # an on-run-start/end hook
            counts["hooks_failed"] += 1
            failures.append(f"hook {name}: {dbt_message_line(result.message) or status}")
        # Other node kinds (hooks that passed) carry no count of their own.
    return TransformResult(
        target=target,
        elapsed_seconds=elapsed_seconds,
        stale_sources=tuple(stale_sources),
        warnings=tuple(sorted(warnings)),
        failures=tuple(failures),
        **counts,
    )
