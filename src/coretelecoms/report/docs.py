"""dbt's documentation site (models, columns, tests and the lineage graph) built offline under the home."""

from __future__ import annotations

import shutil
from pathlib import Path

from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.settings import Settings


def build_docs(settings: Settings, out_dir: Path | None = None, *, static: bool = True) -> Path:
    """`dbt docs generate` on the configured warehouse; the site goes to `out_dir` (default `<home>/docs`).

    Args:
        settings: the warehouse whose catalog (column types, row counts) the site shows.
        out_dir: the folder of the site; replaced whole on success.
        static: also write `static_index.html`, one file with the manifest and catalog inside, which a
            browser opens from disk (the plain `index.html` fetches its JSON, which file:// forbids).

    Returns:
        The page to open: `static_index.html` when static, else `index.html`.

    Raises:
        PipelineError: dbt could not generate the site (one line).
    """
    from dbt.cli.main import dbtRunner

    # The transform step's own dbt plumbing: same profile variables, same DuckDB release.
    from coretelecoms.transform import DBT_TARGET_BY_WAREHOUSE, default_project_dir
    from coretelecoms.transform.runner import _environment, _profile_env, _release_duckdb

    target = DBT_TARGET_BY_WAREHOUSE[settings.warehouse]
    project = default_project_dir()
    out_dir = (out_dir or settings.home / "docs").expanduser().resolve()
    work = settings.home / "dbt" / f"docs-{target}"
    args = [
        "docs", "generate",
        "--project-dir", str(project), "--profiles-dir", str(project), "--target", target,
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--log-level", "none", "--log-level-file", "info", "--no-use-colors",
    ]  # fmt: skip
    if static:
        args.append("--static")
    if settings.warehouse == "duckdb":
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with _environment(_profile_env(settings)):
        try:
            outcome = dbtRunner().invoke(args)
        finally:
            _release_duckdb()
    if outcome.exception is not None or not outcome.success:
        reason = (
            first_line(outcome.exception) if outcome.exception else "see " + str(work / "logs" / "dbt.log")
        )
        raise PipelineError(f"dbt docs generate failed on target {target}: {reason}")

    built = work / "target"
    page = "static_index.html" if static else "index.html"
    if not (built / page).is_file():
        raise PipelineError(f"dbt docs generate wrote no {page} in {built}")
    staging = out_dir.with_name(f".{out_dir.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in ("index.html", "manifest.json", "catalog.json", *(["static_index.html"] if static else [])):
        if (built / name).is_file():
            shutil.copy2(built / name, staging / name)
    # Swap the finished site in whole: a reader never sees a half-copied one.
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.replace(out_dir)
    return out_dir / page
