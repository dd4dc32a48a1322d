"""The manifests: valid against Argo's schema models, committed up to date, built from the step registry,
and every pod hardened (retries, deadlines, resources, restricted security context, secrets by reference)."""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hera.workflows import models as m

from coretelecoms.orchestrate.config import WorkflowConfig
from coretelecoms.orchestrate.daily import RUN_DATE_EXPR, build_daily
from coretelecoms.orchestrate.render import manifest_text, manifests, stale
from coretelecoms.pipeline.steps import IMAGES, STEPS, Step
from manifest_tree import mappings

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
RENDERED = ROOT / "charts" / "coretelecoms" / "workflows"  # the chart carries the committed render
REGENERATE = "coretelecoms workflows render"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"workflows_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict]:
    """Every committed manifest, by file name."""
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(RENDERED.glob("*.yaml"))}


@pytest.fixture(scope="module")
def daily(rendered) -> dict:
    return rendered["workflowtemplate-coretelecoms-daily.yaml"]


@pytest.fixture(scope="module")
def backfill(rendered) -> dict:
    return rendered["workflowtemplate-coretelecoms-backfill.yaml"]


@pytest.fixture(scope="module")
def cron(rendered) -> dict:
    return rendered["cronworkflow-coretelecoms-daily.yaml"]


def _templates(manifest: dict) -> dict[str, dict]:
    return {t["name"]: t for t in manifest["spec"]["templates"]}


def _containers(manifest: dict) -> list[dict]:
    return [t for t in manifest["spec"]["templates"] if "container" in t]


# ------------------------------------------------------------------ valid and current


def test_each_workflows_module_matches_its_committed_yaml():
    modules = sorted(p for p in WORKFLOWS.glob("*.py") if p.name != "__init__.py")
    assert [p.stem for p in modules] == ["backfill", "cron", "daily"]
    seen = set()
    for path in modules:
        w = _load(path).w
        body = w.to_dict()
        filename = f"{body['kind'].lower()}-{body['metadata']['name']}.yaml"
        committed = RENDERED / filename
        assert committed.exists(), f"{filename} missing: run {REGENERATE}"
        assert yaml.safe_load(committed.read_text()) == body, f"{filename} is stale: run {REGENERATE}"
        assert committed.read_text() == manifest_text(w), f"{filename} is not as rendered: run {REGENERATE}"
        seen.add(filename)
    assert seen == {p.name for p in RENDERED.glob("*.yaml")}, f"stray rendered files: run {REGENERATE}"


def test_render_check_reports_stale_files(tmp_path):
    current = manifests()
    for manifest in current:
        (tmp_path / manifest.filename).write_text(manifest.text)
    assert stale(tmp_path, current) == []
    (tmp_path / "workflowtemplate-coretelecoms-daily.yaml").write_text(current[0].text.replace("7200", "60"))
    (tmp_path / "workflowtemplate-gone.yaml").write_text("# Rendered by …\n")
    diffs = stale(tmp_path, current)
    assert len(diffs) == 2
    assert "-    activeDeadlineSeconds: 60\n+    activeDeadlineSeconds: 7200" in diffs[0]
    assert diffs[1].endswith("workflowtemplate-gone.yaml: no longer rendered\n")


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("workflowtemplate-coretelecoms-daily.yaml", m.WorkflowTemplate),
        ("workflowtemplate-coretelecoms-backfill.yaml", m.WorkflowTemplate),
        ("cronworkflow-coretelecoms-daily.yaml", m.CronWorkflow),
    ],
)
def test_committed_manifests_validate_against_argo_models(rendered, name, model):
    parsed = model.model_validate(rendered[name])
    # Nothing the schema does not know is carried along (a typo'd field would be silently dropped by Argo).
    assert parsed.model_dump(by_alias=True, exclude_none=True, mode="json") == rendered[name]


def test_a_submitted_run_validates_as_a_workflow(daily):
    spec = dict(daily["spec"], arguments={"parameters": [{"name": "run-date", "value": "2025-11-20"}]})
    m.Workflow.model_validate({"apiVersion": daily["apiVersion"], "kind": "Workflow",
                               "metadata": {"generateName": "coretelecoms-daily-"}, "spec": spec})  # fmt: skip


# ------------------------------------------------------------------ built from the registry


def _per_date(steps=STEPS) -> list[Step]:
    return [s for s in steps if s.per_date]


def test_the_dag_is_the_registry(daily):
    templates = _templates(daily)
    day = {t["name"]: t for t in templates["day"]["dag"]["tasks"]}
    assert list(day) == [s.name for s in _per_date()]
    for step in _per_date():
        deps = (day[step.name].get("depends") or "").split(" && ")
        assert [d for d in deps if d] == list(step.depends)
    main = {t["name"]: t for t in templates["main"]["dag"]["tasks"]}
    assert list(main) == ["check-target", "day", "transform"]
    assert main["day"]["depends"] == "check-target" and main["transform"]["depends"] == "day"
    # Extractors in parallel (no dependencies among them), then load after all five.
    extracts = [s.name for s in STEPS if s.name.startswith("extract-")]
    assert all("depends" not in day[name] for name in extracts)
    assert day["load"]["depends"] == " && ".join(extracts)


def test_each_step_runs_its_registry_arguments_in_its_image(daily):
    templates = _templates(daily)
    config = WorkflowConfig()
    for step in STEPS:
        container = templates[step.name]["container"]
        assert (
            container["image"] == config.image(step.image) == f"coretelecoms-{step.image}:{config.image_tag}"
        )
        assert container["command"] == ["coretelecoms"]
        expected = step.argv("{{inputs.parameters.run-date}}")
        if step.emits_summary:
            expected += ["--summary-file", "{{outputs.parameters.summary.path}}"]
        assert container["args"] == expected
        assert (
            templates[step.name]["serviceAccountName"] == step.image
        )  # Pulumi's IRSA service account per image


def test_a_new_registry_step_appears_without_touching_workflow_code():
    steps = (
        *STEPS[:-2],
        replace(STEPS[0], name="extract-surveys", image="extract-files", command=("extract", "surveys")),
        replace(STEPS[-2], depends=(*STEPS[-2].depends, "extract-surveys")),
        STEPS[-1],
    )
    body = build_daily(WorkflowConfig(), steps).to_dict()
    day = {t["name"]: t for t in _templates(body)["day"]["dag"]["tasks"]}
    assert "extract-surveys" in day and day["load"]["depends"].endswith("&& extract-surveys")
    assert _templates(body)["extract-surveys"]["container"]["args"][:2] == ["extract", "surveys"]


def test_image_references_are_configurable():
    config = WorkflowConfig(image_registry="123.dkr.ecr.eu-west-1.amazonaws.com/", image_tag="1.2.3",
                            images={"dbt": "ghcr.io/ct/dbt@sha256:abc"})  # fmt: skip
    images = {t["name"]: t["container"]["image"] for t in _containers(build_daily(config).to_dict())}
    assert images["load"] == "123.dkr.ecr.eu-west-1.amazonaws.com/coretelecoms-loader:1.2.3"
    assert images["transform"] == "ghcr.io/ct/dbt@sha256:abc"


# ------------------------------------------------------------------ parameters


def test_parameters_explain_themselves(daily, backfill):
    params = {p["name"]: p for p in daily["spec"]["arguments"]["parameters"]}
    assert list(params) == ["run-date", "timezone", "target", "full-refresh"]
    assert all(len(p["description"]) > 40 for p in params.values())
    assert params["run-date"]["value"] == "yesterday"
    assert params["timezone"]["value"] == "UTC"
    # Without a shared state volume, DuckDB is not on offer (the guard refuses an override, below).
    assert params["target"] == params["target"] | {"value": "snowflake", "enum": ["snowflake"]}
    assert params["full-refresh"] == params["full-refresh"] | {"value": "false", "enum": ["false", "true"]}
    # The DAG receives the resolved date, not the word 'yesterday'.
    day_task = next(t for t in _templates(daily)["main"]["dag"]["tasks"] if t["name"] == "day")
    assert day_task["arguments"]["parameters"][0] == {"name": "run-date", "value": RUN_DATE_EXPR}

    backfill_params = {p["name"]: p for p in backfill["spec"]["arguments"]["parameters"]}
    assert list(backfill_params) == ["start-date", "end-date", "target", "full-refresh"]
    assert (
        "value" not in backfill_params["start-date"] and "value" not in backfill_params["end-date"]
    )  # required


_TAG = re.compile(r"\{\{(inputs\.parameters\.[\w-]+|tasks\.[\w-]+)")


def _tags(value) -> set[str]:
    return set(_TAG.findall(yaml.safe_dump(value)))


@pytest.mark.parametrize(
    "name", ["workflowtemplate-coretelecoms-daily.yaml", "workflowtemplate-coretelecoms-backfill.yaml"]
)
def test_every_reference_resolves(rendered, name):
    """What Argo checks when a workflow is submitted: inputs used are declared, task arguments match the
    called template's inputs, tasks referenced are dependencies, templateRefs exist."""
    manifest = rendered[name]
    daily_templates = _templates(rendered["workflowtemplate-coretelecoms-daily.yaml"])
    own = _templates(manifest)
    assert manifest["spec"]["entrypoint"] in own and manifest["spec"]["onExit"] in own
    for template in own.values():
        declared = {
            f"inputs.parameters.{p['name']}" for p in template.get("inputs", {}).get("parameters", [])
        }
        body = {k: v for k, v in template.items() if k != "dag"}
        used = {t for t in _tags(body) if t.startswith("inputs.")}
        assert used <= declared, f"{template['name']} uses undeclared {used - declared}"
        for task in template.get("dag", {}).get("tasks", []):
            if "templateRef" in task:
                assert task["templateRef"]["name"] == "coretelecoms-daily"
                callee = daily_templates[task["templateRef"]["template"]]
            else:
                callee = own[task["template"]]
            inputs = callee.get("inputs", {}).get("parameters", [])
            wanted = {p["name"] for p in inputs if "default" not in p}
            given = {p["name"] for p in task.get("arguments", {}).get("parameters", [])}
            assert wanted <= given <= {p["name"] for p in inputs}, (
                f"{template['name']}.{task['name']}: gives {given}, {callee['name']} wants {wanted}"
            )
            inputs_used = {t for t in _tags(task) if t.startswith("inputs.")}
            assert inputs_used <= declared
            for ref in (t for t in _tags(task) if t.startswith("tasks.")):
                assert ref.split(".")[1] in (task.get("depends") or ""), (
                    f"{task['name']} reads {ref} without depending on it"
                )


# ------------------------------------------------------------------ every pod


@pytest.mark.parametrize(
    "name", ["workflowtemplate-coretelecoms-daily.yaml", "workflowtemplate-coretelecoms-backfill.yaml"]
)
def test_every_pod_is_hardened(rendered, name):
    manifest = rendered[name]
    spec = manifest["spec"]
    assert spec["securityContext"] == spec["securityContext"] | {
        "runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"},
    }  # fmt: skip
    assert spec["serviceAccountName"] == "coretelecoms-workflow"
    assert spec["activeDeadlineSeconds"] > 0
    for template in _containers(manifest):
        where = template["name"]
        container = template["container"]
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsGroup": 10001,
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }, where
        resources = container["resources"]
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}, where
        assert 0 < template["activeDeadlineSeconds"] <= 7200, where
        retry = template["retryStrategy"]
        assert int(retry["limit"]) >= 2 and retry["retryPolicy"] == "Always", where
        assert int(retry["backoff"]["factor"]) >= 2 and retry["backoff"]["duration"], where
        # The read-only root filesystem leaves /tmp (an emptyDir of the workflow's) as a writable place.
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where
        assert {"name": "tmp", "emptyDir": {}} in spec["volumes"], where
        # A usage error (exit 2) never heals: no pod retries it, the date listing included.
        assert retry["expression"] == "lastRetry.exitCode != '2'", where
        assert container["terminationMessagePolicy"] == "FallbackToLogsOnError", where


def test_step_pods_retry_transient_failures_only(daily):
    for step in STEPS:
        retry = _templates(daily)[step.name]["retryStrategy"]
        assert retry["expression"] == "lastRetry.exitCode != '2'"  # a usage error never heals
        # Capped backoff, but no maxDuration: Argo would kill a long step's retry at it (counted from attempt one).
        assert retry["backoff"]["cap"] and "maxDuration" not in retry["backoff"]


_SECRET_NAMES = re.compile(r"DSN|PASSWORD|PASSPHRASE|TOKEN|WEBHOOK|SECRET|PRIVATE_KEY(?!_PATH)")


@pytest.mark.parametrize(
    "name", ["workflowtemplate-coretelecoms-daily.yaml", "workflowtemplate-coretelecoms-backfill.yaml"]
)
def test_secrets_only_by_reference(rendered, name):
    for template in _containers(rendered[name]):
        container = template["container"]
        for var in container.get("env", []):
            if _SECRET_NAMES.search(var["name"]):
                assert set(var) == {"name", "valueFrom"} and "secretKeyRef" in var["valueFrom"], var
            else:
                assert "value" in var and "@" not in var["value"], var  # no credentials in URLs either
        mounted = {v["name"] for v in template.get("volumes", []) if "secret" in v}
        for mount in container.get("volumeMounts", []):
            if mount["name"] in mounted:
                assert mount["readOnly"] is True and mount["mountPath"].startswith("/var/run/secrets/")


def test_each_step_gets_only_its_own_credentials(daily):
    templates = _templates(daily)

    def secrets(name):
        container = templates[name]["container"]
        refs = {v["valueFrom"]["secretKeyRef"]["name"] for v in container.get("env", []) if "valueFrom" in v}
        return refs | {v["secret"]["secretName"] for v in templates[name].get("volumes", []) if "secret" in v}

    assert secrets("extract-web-forms") == {"coretelecoms-postgres"}
    assert secrets("extract-agents") == {"coretelecoms-google"}
    assert secrets("extract-customers") == secrets("extract-call-logs") == set()  # IRSA: no AWS keys at all
    assert secrets("load") == {"coretelecoms-snowflake-loader"}
    assert secrets("transform") == {"coretelecoms-snowflake-dbt"}
    assert secrets("notify-slack") == {"coretelecoms-slack"}


def test_extract_summaries_are_output_parameters(daily):
    templates = _templates(daily)
    for step in STEPS:
        outputs = templates[step.name].get("outputs", {}).get("parameters", [])
        if step.emits_summary:
            assert outputs == [{"name": "summary", "description": f"the --json summary of {step.name}",
                                "valueFrom": {"default": "null", "path": "/tmp/summary.json"}}]  # fmt: skip
        else:
            assert outputs == []


def test_exit_handler_alerts_only_on_failure(daily, backfill):
    for manifest, context in ((daily, "run-date {{="), (backfill, "{{workflow.parameters.start-date}} to ")):
        handler = _templates(manifest)[manifest["spec"]["onExit"]]
        (task,) = handler["dag"]["tasks"]
        assert task["when"] == "{{workflow.status}} != Succeeded"
        args = {p["name"]: p["value"] for p in task["arguments"]["parameters"]}
        assert args["status"] == "{{workflow.status}}" and args["failures"] == "{{workflow.failures}}"
        assert args["context"].startswith(context)


def test_every_image_of_the_registry_is_used(daily):
    used = {t["container"]["image"] for t in _containers(daily)}
    assert {WorkflowConfig().image(i) for i in IMAGES} <= used


# ------------------------------------------------------------------ the cron and the backfill


def test_cron_only_schedules_the_template(cron, daily):
    spec = cron["spec"]
    assert spec["schedules"] == ["0 3 * * *"] and spec["timezone"] == "UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] > 0
    assert spec["successfulJobsHistoryLimit"] > 0 and spec["failedJobsHistoryLimit"] > 0
    assert spec["workflowSpec"]["workflowTemplateRef"] == {"name": daily["metadata"]["name"]}
    assert "templates" not in spec["workflowSpec"] and "arguments" not in spec["workflowSpec"]


def test_backfill_fans_out_the_daily_day_dag(backfill):
    main = _templates(backfill)["main"]
    assert main["parallelism"] == WorkflowConfig().backfill_parallelism
    assert main["dag"]["failFast"] is False
    tasks = {t["name"]: t for t in main["dag"]["tasks"]}
    assert list(tasks) == ["check-target", "dates", "day", "transform"]
    assert tasks["check-target"]["templateRef"] == {"name": "coretelecoms-daily", "template": "check-target"}
    assert tasks["dates"]["depends"] == "check-target"
    assert tasks["day"]["templateRef"] == {"name": "coretelecoms-daily", "template": "day"}
    assert tasks["day"]["withParam"] == "{{tasks.dates.outputs.result}}"
    assert tasks["transform"]["depends"] == "day"  # dbt once, after every date is loaded
    assert _templates(backfill)["dates"]["container"]["args"][:2] == ["workflows", "dates"]


def test_templates_carry_their_version(rendered):
    for manifest in rendered.values():
        labels = manifest["metadata"]["labels"]
        assert labels["app.kubernetes.io/version"] == WorkflowConfig().version
        assert labels["app.kubernetes.io/part-of"] == "coretelecoms"
        assert manifest["metadata"]["annotations"]["workflows.argoproj.io/description"]


def test_a_state_claim_becomes_every_steps_home():
    """The claim is chosen once, in spec.volumes; every step mounts `state` as its CORETELECOMS_HOME."""
    from coretelecoms.orchestrate.backfill import build_backfill

    for config, source in (
        (
            WorkflowConfig(state_claim="coretelecoms-state"),
            {"persistentVolumeClaim": {"claimName": "coretelecoms-state"}},
        ),
        (WorkflowConfig(), {"emptyDir": {}}),
    ):
        for body in (build_daily(config).to_dict(), build_backfill(config).to_dict()):
            assert body["spec"]["volumes"] == [{"name": "tmp", "emptyDir": {}}, {"name": "state", **source}]
        body = build_daily(config).to_dict()
        for template in _containers(body):
            env = {v["name"]: v.get("value") for v in template["container"]["env"]}
            mounts = {v["name"]: v["mountPath"] for v in template["container"]["volumeMounts"]}
            assert "persistentVolumeClaim" not in str(template.get("volumes", []))
            if template["name"] in {s.name for s in STEPS}:
                assert mounts["state"] == env["CORETELECOMS_HOME"] == "/var/lib/coretelecoms"
            else:  # the exit handler, the guard: no pipeline state
                assert "state" not in mounts and env["CORETELECOMS_HOME"] == "/tmp/coretelecoms"


# ------------------------------------------------------------------ the Argo fixes of issue 13


def test_load_and_transform_hold_the_warehouse_mutex(daily):
    """Across workflows (a backfill's dates, a backfill beside the cron): one writer per warehouse."""
    templates = _templates(daily)
    locked = {name for name, t in templates.items() if "synchronization" in t}
    assert locked == {"load", "transform"}
    for name in locked:
        assert templates[name]["synchronization"] == {
            "mutexes": [{"name": "coretelecoms-warehouse-{{inputs.parameters.target}}"}]
        }
        assert "target" in {p["name"] for p in templates[name]["inputs"]["parameters"]}
    # The backfill runs these very templates (templateRef), so its loads queue on the same lock.


def test_succeeded_pods_are_collected(daily, backfill):
    for manifest in (daily, backfill):
        assert manifest["spec"]["podGC"] == {"strategy": "OnPodSuccess"}


# The first Argo Workflows release whose schema has each version-gated field the manifests may use.
_FIELD_SINCE = {
    ("retryStrategy", "backoff", "cap"): "3.7.0",
    ("synchronization", "mutexes"): "3.6.0",
    ("spec", "schedules"): "3.6.0",
    ("podGC", "deleteDelayDuration"): "3.5.0",
}


def _paths(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for value in node:
            yield from _paths(value, path)


def test_declared_argo_floor_is_true_to_the_fields_used(rendered):
    from coretelecoms.orchestrate.daily import ARGO_FLOOR

    def version(text: str) -> tuple[int, ...]:
        return tuple(int(x) for x in text.split("."))

    needed = "3.4.0"  # WorkflowTaskResults, which the executor RBAC is for
    for manifest in rendered.values():
        assert manifest["metadata"]["annotations"]["workflows.argoproj.io/version"] == f">= {ARGO_FLOOR}"
        for path in _paths(manifest):
            for gated, since in _FIELD_SINCE.items():
                if path[-len(gated) :] == gated and version(since) > version(needed):
                    needed = since
    assert needed == ARGO_FLOOR
    chart = yaml.safe_load((ROOT / "charts" / "coretelecoms" / "Chart.yaml").read_text())
    assert chart["annotations"]["coretelecoms.io/argo-workflows-version"] == f">= {ARGO_FLOOR}"


def test_the_guard_refuses_duckdb_without_a_shared_volume(daily):
    """The enum is not enough (Argo drops it when a run overrides the parameter), so a guard runs first."""
    from click.testing import CliRunner

    from coretelecoms.orchestrate.commands import workflows

    check = _templates(daily)["check-target"]
    assert check["container"]["args"] == [
        "workflows", "check-target", "--target", "{{inputs.parameters.target}}",
        "--allowed", "{{inputs.parameters.allowed}}",
    ]  # fmt: skip
    (allowed,) = [p for p in check["inputs"]["parameters"] if p["name"] == "allowed"]
    assert allowed["default"] == "snowflake"
    task = next(t for t in _templates(daily)["main"]["dag"]["tasks"] if t["name"] == "check-target")
    assert task["when"] == "'{{workflow.parameters.target}}' != 'snowflake'"  # production pays no pod
    refused = CliRunner().invoke(workflows, ["check-target", "--target", "duckdb", "--allowed", "snowflake"])
    assert refused.exit_code == 2 and "shared by every step" in refused.output
    ok = CliRunner().invoke(
        workflows, ["check-target", "--target", "duckdb", "--allowed", "snowflake,duckdb"]
    )
    assert ok.exit_code == 0
    dev = build_daily(WorkflowConfig(state_claim="s")).to_dict()
    (dev_allowed,) = [
        p for p in _templates(dev)["check-target"]["inputs"]["parameters"] if p["name"] == "allowed"
    ]
    assert dev_allowed["default"] == "snowflake,duckdb"


# ------------------------------------------------------------------ per-cluster settings


def _target_values(body: dict) -> list[str]:
    """Every literal value a `target` parameter gets anywhere in a manifest (task arguments pass Argo tags)."""
    return [
        node["value"]
        for node in mappings(body)
        if node.get("name") == "target" and "value" in node and "{{" not in node["value"]
    ]


def test_the_manifests_are_the_same_whether_alerts_are_required_or_not(daily):
    """Required alerts are the cluster's CORETELECOMS_ALERTS_REQUIRED (the chart's ConfigMap), read by the
    command; the webhook reference is optional so the pod always starts and says what is missing."""
    container = _templates(daily)["notify-slack"]["container"]
    (var,) = [v for v in container["env"] if v["name"] == "CORETELECOMS_SLACK_WEBHOOK_URL"]
    assert var["valueFrom"]["secretKeyRef"] == {
        "name": "coretelecoms-slack",
        "key": "webhook-url",
        "optional": True,
    }
    assert not any(a.startswith("--webhook") for a in container["args"])


def test_default_target_reaches_every_template():
    from coretelecoms.orchestrate.render import manifests

    config = WorkflowConfig(default_target="duckdb", state_claim="coretelecoms-state")
    rendered = {(m.kind, m.name): m.body for m in manifests(config)}
    daily = rendered[("WorkflowTemplate", "coretelecoms-daily")]
    backfill = rendered[("WorkflowTemplate", "coretelecoms-backfill")]
    cron = rendered[("CronWorkflow", "coretelecoms-daily")]
    for manifest in (daily, backfill):
        (target,) = [p for p in manifest["spec"]["arguments"]["parameters"] if p["name"] == "target"]
        assert target["value"] == "duckdb" and target["enum"] == ["snowflake", "duckdb"]
        # No other place pins a warehouse: everything below reads the workflow parameter.
        assert _target_values(manifest) == ["duckdb"]
    # The cron passes no target, so its runs take the template's default.
    assert "arguments" not in cron["spec"]["workflowSpec"]


def test_default_target_must_be_a_warehouse_this_cluster_allows():
    with pytest.raises(ValueError, match=r"default_target must be one of \['snowflake', 'duckdb'\]"):
        WorkflowConfig(default_target="postgres", state_claim="s")
    with pytest.raises(ValueError, match="duckdb needs a state claim"):
        WorkflowConfig(default_target="duckdb")


def test_render_command_takes_the_settings_from_flags_and_environment(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from coretelecoms.orchestrate.commands import workflows

    for key in list(os.environ):
        if key.startswith("CORETELECOMS_ARGO_"):
            monkeypatch.delenv(key)

    def daily_after(*args: str, env: dict[str, str] | None = None) -> dict:
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        result = CliRunner().invoke(workflows, ["render", "--out", str(out), *args], env=env)
        assert result.exit_code == 0, result.output
        return yaml.safe_load((out / "workflowtemplate-coretelecoms-daily.yaml").read_text())

    assert _target_values(daily_after()) == ["snowflake"]
    flagged = daily_after("--default-target", "duckdb", "--state-claim", "home")
    assert _target_values(flagged) == ["duckdb"]
    env = {"CORETELECOMS_ARGO_DEFAULT_TARGET": "duckdb", "CORETELECOMS_ARGO_STATE_CLAIM": "home"}
    assert _target_values(daily_after(env=env)) == ["duckdb"]
    assert _target_values(daily_after("--default-target", "snowflake", env=env)) == ["snowflake"]
    refused = CliRunner().invoke(
        workflows, ["render", "--out", str(tmp_path / "x"), "--default-target", "duckdb"]
    )
    assert refused.exit_code == 2 and "state claim" in refused.output


def test_pod_facts_come_from_the_registry_not_from_image_names():
    """Shape, credentials, the warehouse lock, cadence and flags are the registry's facts: a step with an
    image name nothing knows still gets exactly what its entry says."""
    from coretelecoms.orchestrate import credentials, pods
    from coretelecoms.pipeline.steps import Credential, Shape, find_step

    archive = replace(find_step("load"), name="load-archive", image="archiver", shape=Shape.SMALL,
                      credentials=frozenset({Credential.SNOWFLAKE, Credential.POSTGRES}))  # fmt: skip
    rebuild = replace(find_step("transform"), name="rebuild", image="dbt-next", depends=("load-archive",))
    body = build_daily(WorkflowConfig(), (*STEPS, archive, rebuild)).to_dict()
    templates = _templates(body)
    small = templates["load-archive"]
    assert small["container"]["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "1Gi"}
    }  # fmt: skip
    assert small["serviceAccountName"] == "archiver" and small["activeDeadlineSeconds"] == 1800
    assert small["synchronization"]["mutexes"][0]["name"].startswith("coretelecoms-warehouse-")
    refs = {v["valueFrom"]["secretKeyRef"]["name"] for v in small["container"]["env"] if "valueFrom" in v}
    assert refs == {"coretelecoms-postgres", "coretelecoms-snowflake-archiver"}
    assert [p["name"] for p in small["inputs"]["parameters"]] == ["run-date", "target"]  # per date
    # A once-step with the registry's flag: no run date, the flag as input and as its variable.
    once = templates["rebuild"]
    assert [p["name"] for p in once["inputs"]["parameters"]] == ["target", "full-refresh"]
    env = {v["name"]: v.get("value") for v in once["container"]["env"]}
    assert env["DBT_FULL_REFRESH"] == "{{inputs.parameters.full-refresh}}"
    main = {t["name"]: t for t in templates["main"]["dag"]["tasks"]}
    assert main["rebuild"]["depends"] == "day"
    # And no module that shapes pods names an image.
    for module in (pods, credentials):
        source = Path(module.__file__).read_text()
        assert not [i for i in IMAGES if f'"{i}"' in source], module.__name__
