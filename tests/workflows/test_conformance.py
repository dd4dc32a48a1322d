"""The committed coretelecoms-daily manifest, executed locally, builds the same marts as `coretelecoms run`;
a failed step fires the exit handler, whose command posts the expected alert to a local HTTP endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml
from argo_local import LocalArgo, substitute, when_true

from coretelecoms.common.entities import ENTITIES
from coretelecoms.pipeline.steps import STEPS

RENDERED = Path(__file__).resolve().parents[2] / "charts" / "coretelecoms" / "workflows"
DAY = "2025-11-20"
UI = "https://argo.example.test"
# Lineage columns: they record when, by which run and from where a row was loaded, so they differ between
# any two runs.
VOLATILE = {"_loaded_at", "_built_at", "_ingested_at", "_run_id", "_last_loaded_at", "_first_loaded_at", "source_loaded_at",
            "published_at",
            # data_quality_daily's manifest columns: the run's own id, and the source under each run's home.
            "run_id", "source_location"}  # fmt: skip


@pytest.fixture
def homes():
    """A folder for the homes whose embedded PostgreSQL runs as its own user: outside pytest's
    /tmp/pytest-of-root, which every concurrent pytest session resets to 0700 (pgserver then loses its data
    directory mid-test: "could not open pg_control: Permission denied")."""
    with tempfile.TemporaryDirectory(prefix="coretelecoms-argo-") as folder:
        Path(folder).chmod(0o755)
        yield Path(folder)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}


def _cli(home: Path, *args: str) -> None:
    env = {**_clean_env(), "CORETELECOMS_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-level", "WARNING", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _templates() -> dict[str, dict]:
    """The committed (production) templates: no shared state volume, so snowflake only."""
    docs = [yaml.safe_load(p.read_text()) for p in RENDERED.glob("workflowtemplate-*.yaml")]
    return {d["metadata"]["name"]: d for d in docs}


def _dev_templates(**changes) -> dict[str, dict]:
    """What the kind values install (tests/charts checks the chart equals this render): DuckDB on a shared claim."""
    from coretelecoms.orchestrate.config import WorkflowConfig
    from coretelecoms.orchestrate.render import manifests

    config = WorkflowConfig(state_claim="coretelecoms-state", **changes)
    return {m.name: m.body for m in manifests(config) if m.kind == "WorkflowTemplate"}


def _home_with_sources(home: Path) -> Path:
    """One day of generated sources (same seed, same bytes) in a fresh home with its embedded PostgreSQL.

    Scale 1 (since the simulator's scale is real/500): smaller days hold a handful of social-media rows,
    where two messy ones pass the extractor's quarantine-share limit and fail the step."""
    _cli(home, "sources", "generate", "--start", DAY, "--days", "1", "--scale", "1")
    return home


def _marts(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        out = {}
        for table in tables:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall() if c not in VOLATILE]  # fmt: skip
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f"select {select} from marts.{table}").fetchall()
            out[table] = sorted(rows, key=repr)
        return out


def _local_argo(home: Path, workdir: Path, templates: dict[str, dict] | None = None, **kwargs) -> LocalArgo:
    return LocalArgo(
        templates or _dev_templates(),  # the dev cluster's manifests unless given others
        workdir=workdir,
        env=_clean_env(),
        # The pods' CORETELECOMS_HOME is their own /tmp; locally all steps share one home, as pods share
        # the state volume on a dev cluster (`state_claim`) - the lake and the DuckDB file live there.
        env_overrides={"CORETELECOMS_HOME": str(home)},
        **({"config_maps": {"coretelecoms-env": {"CORETELECOMS_ARGO_UI_URL": UI}}} | kwargs),
    )


# 25-40 s each here (three dbt builds): marked so `-m "not slow"` stays quick; CI runs them.
@pytest.mark.slow
def test_rendered_daily_reproduces_coretelecoms_run(tmp_path, homes):
    reference = _home_with_sources(homes / "run")
    _cli(reference, "run", "--date", DAY)

    argo_home = _home_with_sources(homes / "argo")
    argo = _local_argo(argo_home, tmp_path / "pods")
    run = argo.run(
        "coretelecoms-daily", {"run-date": DAY, "target": "duckdb"}, name="coretelecoms-daily-x7k2p"
    )

    assert run.status == "Succeeded", [
        (n.display_name, n.message) for n in run.nodes if n.phase != "Succeeded"
    ]
    # Every registry step ran once, with exactly the registry's arguments for the date (plus the
    # summary file of the steps whose summary the workflow keeps).
    for step in STEPS:
        node = run.node(step.name)
        expected = ["coretelecoms", *step.argv(DAY)]
        if step.emits_summary:
            assert node.argv[: len(expected)] == expected
            assert node.argv[len(expected)] == "--summary-file"
        else:
            assert node.argv == expected
    # Each extract's --json summary is its output parameter, and reconciles.
    for entity in ENTITIES:
        summary = json.loads(run.node(f"extract-{entity}").outputs["summary"])
        assert summary["entity"] == entity and summary["date"] == DAY
        assert summary["rows_read"] == summary["rows_written"] + summary["rows_quarantined"] > 0
    # The exit handler's `when` kept it from alerting on success.
    assert [n.phase for n in run.exit_nodes if n.display_name == "notify-slack"] == []

    ours, theirs = _marts(argo_home / "warehouse.duckdb"), _marts(reference / "warehouse.duckdb")
    assert (
        set(ours)
        == set(theirs)
        >= {"dim_customers", "dim_agents", "dim_date", "fct_complaints", "obt_complaints"}
    )
    for table in theirs:
        assert ours[table] == theirs[table], f"marts.{table} differs"
        assert ours[table], f"marts.{table} is empty"

    # full-refresh=true reaches dbt (as DBT_FULL_REFRESH): rerun just the dbt step, as
    # `argo submit --from workflowtemplate/coretelecoms-daily --entrypoint transform` does.
    rerun = argo.run(
        "coretelecoms-daily", {"target": "duckdb", "full-refresh": "true"}, entrypoint="transform"
    )
    assert rerun.status == "Succeeded"
    dbt_args = json.loads((argo_home / "dbt" / "local" / "target" / "run_results.json").read_text())["args"]
    assert dbt_args["which"] == "build" and dbt_args["full_refresh"] is True
    assert _marts(argo_home / "warehouse.duckdb") == theirs


def test_failed_step_fires_the_exit_handler(tmp_path, homes, http_sink):
    url, received = http_sink.url, http_sink.received
    home = _home_with_sources(homes / "argo")
    # One source file missing for the day: only that extract fails; the others finish, load never starts.
    (home / "sources" / "bucket" / "call logs" / f"call_logs_day_{DAY}.csv").unlink()
    argo = _local_argo(home, tmp_path / "pods", secrets={"coretelecoms-slack": {"webhook-url": url}})
    run = argo.run(
        "coretelecoms-daily",
        {"target": "duckdb"},  # run-date left at 'yesterday': the day before the scheduled time
        name="coretelecoms-daily-1764035400",
        created=datetime(2025, 11, 21, 3, 0, 5, tzinfo=UTC),
        scheduled="2025-11-21T03:00:00Z",
    )

    assert run.status == "Failed"
    assert run.node("extract-call-logs").phase == "Failed"
    assert run.node("extract-call-logs").exit_codes == [1, 1, 1, 1]  # a missing file may yet arrive: retried
    assert all(run.node(f"extract-{e}").phase == "Succeeded" for e in ENTITIES if e != "call-logs")
    assert not [n for n in run.nodes if n.display_name in ("load", "transform")]

    notify = [n for n in run.exit_nodes if n.display_name == "notify-slack"]
    assert [n.phase for n in notify] == ["Succeeded"], [n.message for n in notify]
    assert len(received) == 1
    path, content_type, payload = received[0]
    assert path == "/services/T000/B000/XXXX" and content_type == "application/json"
    link = f"{UI}/workflows/coretelecoms/coretelecoms-daily-1764035400"
    lines = payload["text"].splitlines()
    assert lines[0] == f"Argo workflow coretelecoms-daily-1764035400 failed (run-date {DAY}, target duckdb)"
    # Exactly the failed step - not its retry attempt, not the DAGs above it - with the CLI's one-line error.
    assert len(lines) == 3 and lines[2] == link
    assert lines[1].startswith("• extract-call-logs: error: source file not found:")
    assert f"call_logs_day_{DAY}.csv" in lines[1]
    assert link in json.dumps(payload["blocks"])


@pytest.mark.slow
def test_rendered_backfill_matches_a_local_range_run(tmp_path, homes):
    """The backfill runs the daily `day` DAG per date (templateRef, withParam over `workflows dates`),
    then dbt once; the marts equal `coretelecoms run --start --end`, which builds after every date."""
    start, end = "2025-11-20", "2025-11-21"

    def home(path: Path) -> Path:
        _cli(path, "sources", "generate", "--start", start, "--days", "2", "--scale", "1")
        return path

    reference = home(homes / "run")
    _cli(reference, "run", "--start", start, "--end", end)

    argo_home = home(homes / "argo")
    run = _local_argo(argo_home, tmp_path / "pods").run(
        "coretelecoms-backfill", {"start-date": start, "end-date": end, "target": "duckdb"}
    )

    assert run.status == "Succeeded", [
        (n.display_name, n.message) for n in run.nodes if n.phase != "Succeeded"
    ]
    assert json.loads(run.node("dates").result) == ["2025-11-20", "2025-11-21"]
    days = [n.display_name for n in run.nodes if n.template == "day"]
    assert days == ["day(0:2025-11-20)", "day(1:2025-11-21)"]
    loads = [n.argv for n in run.nodes if n.display_name == "load" and n.argv]
    assert [a[a.index("--date") + 1] for a in loads] == ["2025-11-20", "2025-11-21"]
    assert len([n for n in run.nodes if n.display_name == "transform"]) == 1
    assert _marts(argo_home / "warehouse.duckdb") == _marts(reference / "warehouse.duckdb")


def test_dev_render_runs_on_duckdb_by_default_and_skips_the_alert_without_slack(tmp_path, homes):
    """What the kind values render (default target duckdb, shared state claim, CORETELECOMS_ALERTS_REQUIRED
    false in the ConfigMap), run with no parameters and no coretelecoms-slack secret: every step gets
    CORETELECOMS_WAREHOUSE=duckdb, and the failed run's exit handler logs the skipped alert and succeeds.
    The same manifests with alerts required (production's ConfigMap) fail the exit handler, saying why."""
    dev_templates = _dev_templates(default_target="duckdb")
    home = _home_with_sources(homes / "argo")
    (home / "sources" / "bucket" / "call logs" / f"call_logs_day_{DAY}.csv").unlink()
    no_slack = {"absent_secrets": {"coretelecoms-slack"}}
    optional = {"coretelecoms-env": {"CORETELECOMS_ARGO_UI_URL": UI, "CORETELECOMS_ALERTS_REQUIRED": "false"}}

    run = _local_argo(home, tmp_path / "dev-pods", dev_templates, config_maps=optional, **no_slack).run(
        "coretelecoms-daily", {"run-date": DAY}, name="coretelecoms-daily-dev"
    )
    assert run.status == "Failed" and run.node("extract-call-logs").phase == "Failed"
    pods = [n for n in run.nodes if n.argv and n.display_name.startswith("extract-")]
    assert len(pods) == len(ENTITIES)
    assert {n.env["CORETELECOMS_WAREHOUSE"] for n in pods} == {"duckdb"}
    (notify,) = [n for n in run.exit_nodes if n.display_name == "notify-slack"]
    assert notify.phase == "Succeeded", notify.message
    assert notify.stderr.splitlines()[-1] == (
        "no Slack webhook configured (secret coretelecoms-slack, key webhook-url): alert not sent"
    )

    required = {"coretelecoms-env": {"CORETELECOMS_ARGO_UI_URL": UI, "CORETELECOMS_ALERTS_REQUIRED": "true"}}
    prod = _local_argo(home, tmp_path / "prod-pods", dev_templates, config_maps=required, **no_slack)
    run = prod.run("coretelecoms-daily", {"run-date": DAY}, name="coretelecoms-daily-prod")
    assert run.status == "Failed"
    (notify,) = [n for n in run.exit_nodes if n.display_name == "notify-slack"]
    assert notify.phase == "Failed" and notify.argv  # the pod ran, and said what is missing
    assert "CORETELECOMS_SLACK_WEBHOOK_URL is not set: cannot send the alert" in notify.stderr


def test_production_manifests_refuse_duckdb_before_any_step(tmp_path):
    """The committed render has no shared state volume: `-p target=duckdb` (which Argo lets past the enum)
    stops at the guard with one line, exit 2 and no retry - no extract, no load, no per-pod DuckDB file."""
    home = tmp_path / "home"
    home.mkdir()
    run = _local_argo(home, tmp_path / "pods", _templates()).run(
        "coretelecoms-daily", {"run-date": DAY, "target": "duckdb"}, name="coretelecoms-daily-guard"
    )
    assert run.status == "Failed"
    (check,) = [n for n in run.nodes if n.display_name == "check-target" and n.argv]
    assert check.phase == "Failed" and "shared by every step" in check.stderr
    assert check.exit_codes == [2]  # a usage error: not retried (the pod's retryStrategy.expression)
    assert not [n for n in run.nodes if n.argv and n.display_name != "check-target"]
    # Snowflake runs skip the guard without a pod: its `when`, as Argo evaluates it.
    (task,) = [t for t in _templates()["coretelecoms-daily"]["spec"]["templates"] if t["name"] == "main"]
    (guard,) = [t for t in task["dag"]["tasks"] if t["name"] == "check-target"]
    assert when_true(substitute(guard["when"], {"workflow.parameters.target": "snowflake"})) is False
    assert when_true(substitute(guard["when"], {"workflow.parameters.target": "duckdb"})) is True
