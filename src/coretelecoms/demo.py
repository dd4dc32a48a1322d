"""The demo's closing summary: rows per stage, the marts, the report page and how to query the warehouse."""

from __future__ import annotations

import textwrap
from pathlib import Path

from coretelecoms.extract.engine import ExtractSummary
from coretelecoms.load.common import LoadSummary
from coretelecoms.pipeline.runner import RunReport
from coretelecoms.settings import Settings

QUERY = "select channel, count(*) as complaints from marts.obt_complaints group by 1 order by 2 desc"


def _mart_counts(settings: Settings) -> dict[str, int]:
    if settings.warehouse != "duckdb" or not settings.duckdb_path.exists():
        return {}
    import duckdb

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
        ).fetchall()
        return {t: con.execute(f'SELECT count(*) FROM marts."{t}"').fetchone()[0] for (t,) in tables}


def query_hint(settings: Settings) -> str:
    """A one-liner that queries the marts (the duckdb Python package has no CLI of its own)."""
    return (
        f"python -c \"import duckdb; duckdb.connect('{settings.duckdb_path}', read_only=True)"
        f".sql('{QUERY}').show()\""
    )


def summarise(report: RunReport, settings: Settings, report_page: Path | None = None) -> str:
    """A short table a person reads after `coretelecoms demo`."""
    totals: dict[str, list[int]] = {}
    for s in report.summaries(ExtractSummary):
        t = totals.setdefault(s.entity, [0, 0, 0])
        t[0] += s.rows_read
        t[1] += s.rows_written
        t[2] += s.rows_quarantined
    lines = ["", f"{'extracted':<16}{'read':>9}{'written':>10}{'quarantined':>13}"]
    lines += [f"  {e:<14}{r:>9,}{w:>10,}{q:>13,}" for e, (r, w, q) in totals.items()]
    loaded = sum(s.rows_loaded for s in report.summaries(LoadSummary))
    lines.append(f"loaded          {loaded:>9,} rows into RAW")
    marts = _mart_counts(settings)
    if marts:
        cells = [f"{name} {rows:,}" for name, rows in marts.items()]
        lines += textwrap.wrap(", ".join(cells), width=100, initial_indent="marts           ",
                               subsequent_indent=" " * 16)  # fmt: skip
    lines.append("")
    lines.append(f"lake       {settings.lake_url}")
    lines.append(
        f"warehouse  {settings.duckdb_path if settings.warehouse == 'duckdb' else settings.warehouse}"
    )
    if report_page:
        lines.append(f"report     {report_page}")
    if settings.warehouse == "duckdb":
        lines.append(f"query      {query_hint(settings)}")
    return "\n".join(lines)
