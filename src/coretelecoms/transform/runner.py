"""Run `dbt build` (after a source-freshness check) in-process with dbtRunner, on the configured warehouse."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from coretelecoms.common.errors import PipelineError
from coretelecoms.settings import Settings
from coretelecoms.transform.progress import DbtNodeReporter
from coretelecoms.transform.resources import step_resources
from coretelecoms.transform.result import TransformResult, dbt_message_line, summarise

# Settings.warehouse -> the dbt target of dbt/profiles.yml.
DBT_TARGET_BY_WAREHOUSE: dict[str, str] = {"duckdb": "local", "snowflake": "snowflake"}


def default_project_dir() -> Path:
    """The dbt project: `dbt/` at the repository root, else `./dbt` (the layout of the dbt image)."""
    # src/coretelecoms/transform/runner.py -> parents[3] is the repository root in a checkout.
    candidates = [Path(__file__).resolve().parents[3] / "dbt", Path.cwd() / "dbt"]
    for candidate in candidates:
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise PipelineError(
        f"dbt project not found (looked for dbt_project.yml in {', '.join(map(str, candidates))})"
    )


def dbt_build(
    settings: Settings,
    *,
    full_refresh: bool = False,
    target: str | None = None,
    select: str | None = None,
    exclude: str | None = None,
    progress: bool | Callable[[Any], None] = True,
    project_dir: Path | None = None,
) -> TransformResult:
    """Check RAW freshness, then `dbt build` the marts on the warehouse `settings` points at.

    Args:
        settings: where the warehouse is; `settings.warehouse` picks the dbt target
            (duckdb -> `local`, snowflake -> `snowflake`, credentials from the SNOWFLAKE_* variables).
        full_refresh: rebuild incremental models (fct_complaints) from scratch.
        target: a dbt target overriding the one `settings.warehouse` implies.
        select: a dbt node selection (`--select`), e.g. `"+fct_complaints"`; default everything.
        exclude: nodes to leave out (`--exclude`), e.g. `"test_type:unit"` where the warehouse
            cannot run dbt unit tests (fakesnow).
        progress: report each finished node on stderr - readable lines on a terminal, JSON lines
            otherwise; False keeps quiet; a callable is used as the dbtRunner callback instead.
        project_dir: the dbt project; default `default_project_dir()`.

    Returns:
        Counts of models and tests passed, warned and failed, the elapsed time and the RAW
        sources whose freshness warned. A stale or missing RAW table is a warning, not a failure.

    Raises:
        PipelineError: dbt could not run, or a model or an error-severity test failed; the message
            is one line naming what failed.
    """
    # dbt is heavy to import; only this step needs it.
    from dbt.cli.main import dbtRunner

    target = target or DBT_TARGET_BY_WAREHOUSE[settings.warehouse]
    project = (project_dir or default_project_dir()).resolve()
    # Artifacts live with the rest of the local state, one folder per target: the project folder
    # may be read-only (an image), and switching targets should not throw away partial parsing.
    state = settings.home / "dbt" / target
    options = {
        "--project-dir": str(project),
        "--profiles-dir": str(project),
        "--target": target,
        "--target-path": str(state / "target"),
        "--log-path": str(state / "logs"),
        # Progress is reported by our callback; dbt's console output would repeat it at length.
        "--log-level": "none",
        "--log-level-file": "info",
    }
    common = [*(item for pair in options.items() for item in pair), "--no-use-colors"]
    if settings.warehouse == "duckdb" and target == DBT_TARGET_BY_WAREHOUSE["duckdb"]:
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    build_args = ["build", *common]
    if full_refresh:
        build_args.append("--full-refresh")
    if select:
        build_args += ["--select", select]
    if exclude:
        build_args += ["--exclude", exclude]

    def runner() -> dbtRunner:
        # One runner per invocation, so progress counts restart with each command.
        if callable(progress):  # the caller's own callback (the CLI's live line)
            return dbtRunner(callbacks=[progress])
        return dbtRunner(callbacks=[DbtNodeReporter()] if progress else [])

    started = time.monotonic()
    with _environment(_profile_env(settings)):
        try:
            stale = _check_freshness(runner(), common)
            outcome = runner().invoke(build_args)
        finally:
            _release_duckdb()
    elapsed = time.monotonic() - started

    if outcome.exception is not None:
        raise PipelineError(f"dbt build could not run on target {target}: {dbt_message_line(outcome.exception)}")
    results = getattr(outcome.result, "results", None)
    if results is None:
        raise PipelineError(f"dbt build on target {target} returned no results")
    summary = summarise(target, results, elapsed_seconds=elapsed, stale_sources=stale)
    if not outcome.success or not summary.success:
        failed = summary.failures or ("dbt reported failure without a failed node",)
        more = f" (+{len(failed) - 3} more)" if len(failed) > 3 else ""
        raise PipelineError(f"dbt build failed on target {target}: {'; '.join(failed[:3])}{more}")
    return summary


def _check_freshness(runner: Any, common: list[str]) -> list[str]:
    """`dbt source freshness`: the RAW tables that are stale, empty or missing, as warnings.

    Freshness never fails the pipeline: a missing day must not stop the marts being built from
    what did arrive (the project's collect_freshness override reports a missing table as stale).
    """
    outcome = runner.invoke(["source", "freshness", *common])
    if outcome.exception is not None:
        return [f"freshness check could not run: {dbt_message_line(outcome.exception)}"]
    stale = []
    for result in getattr(outcome.result, "results", None) or []:
        status = str(getattr(result.status, "value", result.status))
        if status == "pass" or not hasattr(result.node, "source_name"):  # a project hook, not a source
            continue
        name = f"{result.node.source_name}.{result.node.name}"
        loaded = getattr(result, "max_loaded_at", None)
        if status == "runtime error" or loaded is None:
            stale.append(f"{name}: {dbt_message_line(getattr(result, 'message', '')) or status}")
        elif loaded.year <= 1970:
            stale.append(f"{name}: missing or empty")
        else:
            stale.append(f"{name}: last loaded {loaded.isoformat(timespec='seconds')}")
    return stale


def _release_duckdb() -> None:
    """Close the DuckDB file dbt-duckdb keeps open in this process after an invocation.

    dbt-duckdb holds one process-wide connection and does not always close it when dbtRunner
    returns; the file then stays locked against the loader, a reader with another configuration
    (read-only), or the next step of `coretelecoms run` in this same process.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb not installed: a Snowflake-only image
        return
    environment = getattr(DuckDBConnectionManager, "_ENV", None)
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def _profile_env(settings: Settings) -> dict[str, str]:
    """The variables dbt/profiles.yml reads that come from our settings rather than the caller's env.

    SNOWFLAKE_* are not repeated here: they are already environment variables, the same ones
    SnowflakeSettings reads.
    """
    resources = step_resources()
    limits = {
        "CORETELECOMS_DBT_THREADS": str(resources.dbt_threads),
        "CORETELECOMS_DUCKDB_THREADS": str(resources.cpus),
    }
    if resources.duckdb_memory_limit:
        limits["CORETELECOMS_DUCKDB_MEMORY_LIMIT"] = resources.duckdb_memory_limit
    return {
        **limits,
        "CORETELECOMS_HOME": str(settings.home),
        "CORETELECOMS_DUCKDB_PATH": str(settings.duckdb_path),
        # dbt's anonymous usage tracking tries to reach the internet; there is none here.
        "DO_NOT_TRACK": "1",
    }


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a dbt invocation, then restore them.

    dbt reads its profile through env_var(), i.e. from os.environ of this process.
    """
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
