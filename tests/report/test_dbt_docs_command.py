"""`coretelecoms docs`: dbt's documentation site with lineage, built offline into a folder under the home."""

from __future__ import annotations

import json

from click.testing import CliRunner

from coretelecoms.cli import cli


def test_docs_builds_the_site_with_lineage_and_catalog(marts):
    settings = marts.settings
    result = CliRunner().invoke(cli, ["docs"], obj={"settings": settings})
    assert result.exit_code == 0, result.output
    site = settings.home / "docs"
    assert result.output.strip() == f"docs: {site / 'static_index.html'}"
    static = (site / "static_index.html").read_text(encoding="utf-8")
    assert "model.coretelecoms.backlog_daily" in static  # the manifest is inside the single file
    manifest = json.loads((site / "manifest.json").read_text())
    # Lineage: the status history feeds the backlog and customer health; the manifests feed data quality.
    children = manifest["child_map"]
    assert "model.coretelecoms.backlog_daily" in children["model.coretelecoms.int_complaint_status_history"]
    assert (
        "model.coretelecoms.customer_health_weekly"
        in children["model.coretelecoms.int_complaint_status_history"]
    )
    assert (
        "model.coretelecoms.stg_raw__extract_manifests"
        in children["source.coretelecoms.raw.extract_manifests"]
    )
    # The catalog was read from the warehouse: the marts' real columns are in it.
    catalog = json.loads((site / "catalog.json").read_text())
    columns = catalog["nodes"]["model.coretelecoms.fct_complaints"]["columns"]
    assert "is_repeat_contact" in {name.lower() for name in columns}


def test_docs_out_folder_is_replaced_whole(marts, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.txt").write_text("from an earlier build")
    result = CliRunner().invoke(
        cli, ["docs", "--out", str(out), "--no-static"], obj={"settings": marts.settings}
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"docs: {out / 'index.html'}"
    assert not (out / "stale.txt").exists() and (out / "manifest.json").is_file()
