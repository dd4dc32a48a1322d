"""The reliability report: one line at the end of the session, when the kill-point suite ran."""

from __future__ import annotations

from scenarios import REPORT


def pytest_terminal_summary(terminalreporter) -> None:
    points = REPORT["points"]
    if not points:
        return
    labels = sorted(set(REPORT["labels"]))
    terminalreporter.write_line(
        f"reliability: {len(points)} kill points over {len({p[0] for p in points})} commands "
        f"({len({p[1] for p in points})} scenarios), {sum(REPORT['states'])} states observed "
        f"({'; '.join(labels)}), {len(REPORT['differences'])} differences"
    )
