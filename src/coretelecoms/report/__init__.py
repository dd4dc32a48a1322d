"""The Customer-Success report: one self-contained HTML page over the marts (`coretelecoms report`)."""

from __future__ import annotations

from pathlib import Path

from coretelecoms.settings import Settings


def write_report(settings: Settings, out_path: Path) -> Path:
    """Query the marts on the configured warehouse and write the report page to `out_path`.

    Args:
        settings: which warehouse (DuckDB file or Snowflake through the SNOWFLAKE_* variables).
        out_path: the HTML file to write; its folder is created. Written atomically (a reader never
            sees half a page).

    Returns:
        The absolute path written.

    Raises:
        PipelineError: the warehouse cannot be read or the marts are not built (one line).
    """
    from coretelecoms.report.page import render
    from coretelecoms.report.queries import collect
    from coretelecoms.report.warehouse import open_reader

    with open_reader(settings) as reader:
        data = collect(reader)
    html = render(data, settings.warehouse)
    out_path = Path(out_path).expanduser().resolve()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.name}.partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(out_path)
    return out_path


def default_report_path(settings: Settings) -> Path:
    """Where the report goes unless told otherwise: `<home>/report/index.html`."""
    return settings.home / "report" / "index.html"


__all__ = ["default_report_path", "write_report"]
