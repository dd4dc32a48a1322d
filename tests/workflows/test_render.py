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

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
RENDERED = WORKFLOWS / "rendered"
REGENERATE = "coretelecoms workflows render --out workflows/rendered"


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
    assert list(main) == ["day", "transform"]
    assert main["transform"]["depends"] == "day"
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
    assert list(params) == ["run-date", "target", "full-refresh"]
    assert all(len(p["description"]) > 40 for p in params.values())
    assert params["run-date"]["value"] == "yesterday"
    assert params["target"] == params["target"] | {"value": "snowflake", "enum": ["snowflake", "duckdb"]}
    assert params["full-refresh"] == params["full-refresh"] | {"value": "false", "enum": ["false", "true"]}
    # The DAG receives the resolved date, not the word 'yesterday'.
    day_task = _templates(daily)["main"]["dag"]["tasks"][0]
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
            wanted = {p["name"] for p in callee.get("inputs", {}).get("parameters", [])}
            given = {p["name"] for p in task.get("arguments", {}).get("parameters", [])}
            assert given == wanted, (
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
        # The read-only root filesystem leaves /tmp (an emptyDir) as the one writable place.
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where
        assert {"name": "tmp", "emptyDir": {}} in template["volumes"], where
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
    assert list(tasks) == ["dates", "day", "transform"]
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
    body = build_daily(WorkflowConfig(state_claim="coretelecoms-state")).to_dict()
    for template in _containers(body):
        env = {v["name"]: v.get("value") for v in template["container"]["env"]}
        claims = [
            v["persistentVolumeClaim"]["claimName"]
            for v in template["volumes"]
            if "persistentVolumeClaim" in v
        ]
        if template["name"] in {s.name for s in STEPS}:
            assert claims == ["coretelecoms-state"] and env["CORETELECOMS_HOME"] == "/var/lib/coretelecoms"
        else:  # the exit handler needs no pipeline state
            assert claims == [] and env["CORETELECOMS_HOME"] == "/tmp/coretelecoms"


# ------------------------------------------------------------------ per-cluster settings: target and alerts


def _target_values(body: dict) -> list[str]:
    """Every literal value a `target` parameter gets anywhere in a manifest (task arguments pass Argo tags)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("name") == "target" and "value" in node and "{{" not in node["value"]:
                found.append(node["value"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return found


def _webhook(daily_body: dict) -> tuple[list[str], dict]:
    container = _templates(daily_body)["notify-slack"]["container"]
    (var,) = [v for v in container["env"] if v["name"] == "CORETELECOMS_SLACK_WEBHOOK_URL"]
    return container["args"], var["valueFrom"]["secretKeyRef"]


def test_committed_manifests_default_to_snowflake_and_require_the_alert(daily, backfill, cron):
    """What production installs: runs (the cron's too) on Snowflake, and no alert without the Slack secret."""
    assert _target_values(daily) == _target_values(backfill) == ["snowflake"]
    assert cron["metadata"]["annotations"]["workflows.argoproj.io/description"].endswith(
        "on the template's default target (snowflake)."
    )
    args, ref = _webhook(daily)
    assert args[-1] == "--webhook-required"
    assert ref == {"name": "coretelecoms-slack", "key": "webhook-url", "optional": False}


def test_default_target_reaches_every_template_and_the_cron():
    from coretelecoms.orchestrate.render import manifests

    rendered = {(m.kind, m.name): m.body for m in manifests(WorkflowConfig(default_target="duckdb"))}
    daily = rendered[("WorkflowTemplate", "coretelecoms-daily")]
    backfill = rendered[("WorkflowTemplate", "coretelecoms-backfill")]
    cron = rendered[("CronWorkflow", "coretelecoms-daily")]
    for manifest in (daily, backfill):
        (target,) = [p for p in manifest["spec"]["arguments"]["parameters"] if p["name"] == "target"]
        assert target["value"] == "duckdb" and target["enum"] == ["snowflake", "duckdb"]
        # No other place pins a warehouse: everything below reads the workflow parameter.
        assert _target_values(manifest) == ["duckdb"]
    # The cron passes no target, so its runs take the template's default - and say which it is.
    assert "arguments" not in cron["spec"]["workflowSpec"]
    assert "(duckdb)" in cron["metadata"]["annotations"]["workflows.argoproj.io/description"]
    # Only the target's default changed.
    baseline = build_daily(WorkflowConfig()).to_dict()
    assert yaml.safe_dump(daily).replace("value: duckdb", "value: snowflake") == yaml.safe_dump(baseline)


def test_default_target_must_be_a_warehouse():
    with pytest.raises(ValueError, match=r"default_target must be one of \['snowflake', 'duckdb'\]"):
        WorkflowConfig(default_target="postgres")


@pytest.mark.parametrize("required", [True, False])
def test_alerts_required_decides_whether_the_slack_secret_is_optional(required: bool):
    body = build_daily(WorkflowConfig(alerts_required=required)).to_dict()
    args, ref = _webhook(body)
    assert ref == {"name": "coretelecoms-slack", "key": "webhook-url", "optional": not required}
    assert args[-1] == ("--webhook-required" if required else "--webhook-optional")
    # Only the alert's secret: the steps' secrets stay as they are (web forms cannot run without its DSN).
    (dsn,) = [v for v in _templates(body)["extract-web-forms"]["container"]["env"] if "valueFrom" in v]
    assert dsn["valueFrom"]["secretKeyRef"] == {"name": "coretelecoms-postgres", "key": "dsn"}
    # The backfill's exit handler runs this very template, so the one setting covers both.
    from coretelecoms.orchestrate.backfill import build_backfill

    backfill = build_backfill(WorkflowConfig(alerts_required=required)).to_dict()
    (task,) = _templates(backfill)["exit-handler"]["dag"]["tasks"]
    assert task["templateRef"] == {"name": "coretelecoms-daily", "template": "notify-slack"}


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

    default = daily_after()
    assert _target_values(default) == ["snowflake"] and _webhook(default)[1]["optional"] is False
    flagged = daily_after("--default-target", "duckdb", "--alerts-optional")
    assert _target_values(flagged) == ["duckdb"] and _webhook(flagged)[1]["optional"] is True
    env = {"CORETELECOMS_ARGO_DEFAULT_TARGET": "duckdb", "CORETELECOMS_ARGO_ALERTS_REQUIRED": "false"}
    from_env = daily_after(env=env)
    assert _target_values(from_env) == ["duckdb"] and _webhook(from_env)[0][-1] == "--webhook-optional"
    overridden = daily_after("--default-target", "snowflake", "--alerts-required", env=env)
    assert _target_values(overridden) == ["snowflake"] and _webhook(overridden)[0][-1] == "--webhook-required"
