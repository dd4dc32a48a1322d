"""The demo's closing summary: rows per stage and where to look next."""

from __future__ import annotations

from coretelecoms.extract.engine import ExtractSummary
from coretelecoms.load.common import LoadSummary
from coretelecoms.pipeline.runner import RunReport
from coretelecoms.settings import Settings


def _mart_counts(settings: Settings) -> dict[str, int]:
    if settings.warehouse != "duckdb" or not settings.duckdb_path.exists():
        return {}
    import duckdb

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
        ).fetchall()
        return {t: con.execute(f'SELECT count(*) FROM marts."{t}"').fetchone()[0] for (t,) in tables}


def summarise(report: RunReport, settings: Settings) -> str:
    """A short table a person reads after `coretelecoms demo`."""
    lines = ["", "extract                 read   written  quarantined"]
    totals: dict[str, list[int]] = {}
    for s in report.summaries(ExtractSummary):
        t = totals.setdefault(s.entity, [0, 0, 0])
        t[0] += s.rows_read
        t[1] += s.rows_written
        t[2] += s.rows_quarantined
    for entity, (read, written, quarantined) in totals.items():
        lines.append(f"  {entity:<18} {read:>8} {written:>9} {quarantined:>12}")
    loaded = sum(s.rows_loaded for s in report.summaries(LoadSummary))
    lines.append(f"load                    {loaded} rows into RAW")
    marts = _mart_counts(settings)
    if marts:
        lines.append("marts")
        lines.extend(f"  {name:<32} {rows:>8} rows" for name, rows in marts.items())
    lines.append(f"lake:      {settings.lake_url}")
    lines.append(f"warehouse: {settings.duckdb_path}")
    query = "select * from marts.obt_complaints limit 5"
    lines.append(
        f"  explore:   python -c \"import duckdb; duckdb.connect('{settings.duckdb_path}', read_only=True)"
        f".sql('{query}').show()\""
    )
    return "\n".join(lines)
