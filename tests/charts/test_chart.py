"""The Helm chart renders and lints offline, validates, equals the Hera render, and meets the restricted PSS."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from chart_render import (
    ARGO_KINDS,
    CHART,
    NAMESPACE,
    VALUES_FILES,
    app_version,
    by_kind,
    hera_bodies,
    load_values,
    render,
    render_files,
    workflow_config,
)

from coretelecoms import __version__
from coretelecoms.pipeline.steps import IMAGES
from manifest_tree import mappings, nodes

helm = pytest.importorskip("helm_python", reason="helm-python-sdk is in the dev extra")

# Values that exercise every switch of the chart at once.
EVERYTHING = {
    "imageRegistry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/coretelecoms",
    "imageTag": "3f9a1c2",
    "images": {"dbt": {"tag": "dbt-only", "digest": "sha256:" + "ab" * 32}},
    "serviceAccounts": {
        "workflow": {"name": "ct-workflow", "annotations": {"team": "data"}},
        "steps": {"loader": {"name": "ct-loader", "roleArn": "arn:aws:iam::123456789012:role/ct-loader"}},
    },
    "env": {"AWS_REGION": "eu-west-1", "CORETELECOMS_LAKE_URL": "s3://lake", "SNOWFLAKE_PORT": 443},
    "imageEnv": {"loader": {"SNOWFLAKE_USER": "LOADER"}, "dbt": {"SNOWFLAKE_USER": "TRANSFORMER"}},
    "schedule": "30 4 * * 1-5",
    "timezone": "Europe/London",
    "backfillParallelism": 5,
    "defaultTarget": "duckdb",
    "alertsRequired": False,
    "stateVolume": {"enabled": True, "existingClaim": "shared-home"},
    "externalSecrets": {
        "enabled": True,
        "secretStoreRef": {"name": "aws-secrets"},
        "remoteKeys": {"postgres": "ct/postgres", "slack": "ct/slack"},
    },
    "devStack": {"enabled": True},
}
# The chart's defaults, every switch at once, and the values it is really deployed with.
VALUE_SETS = {"defaults": {}, "everything": EVERYTHING}
VALUE_SETS |= {name: load_values(*files) for name, files in VALUES_FILES.items()}


@pytest.fixture(params=sorted(VALUE_SETS), scope="module")
def case(request) -> tuple[dict, list[dict]]:
    values = VALUE_SETS[request.param]
    return values, render(values)


def test_chart_version_follows_the_package():
    assert app_version() == __version__


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_lints_strictly(name: str):
    report = helm.lint(str(CHART), VALUE_SETS[name], strict=True, namespace=NAMESPACE)
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    assert problems == []


def test_the_chart_carries_the_hera_render_as_it_is():
    """workflows/ is exactly what `coretelecoms workflows render` writes now (regenerate to fix), and the one
    template that installs it is short: no copies of the manifests, no escaped Argo expressions."""
    from coretelecoms.orchestrate.render import manifests, stale

    assert stale(CHART / "workflows", manifests()) == []
    template = (CHART / "templates" / "workflows.yaml").read_text()
    assert len(template.splitlines()) < 80
    assert '{{ "{{" }}' not in template and "ternary" not in template
    assert not (CHART / "hack").exists()


def test_no_chart_file_is_long_or_repeats_itself():
    """Done-when of issue 13: no file over 900 lines, no run of 120 identical lines standing twice."""
    files = [p for p in CHART.rglob("*") if p.is_file() and p.suffix in (".yaml", ".tpl", ".json", ".txt")]
    run = 120
    seen: dict[tuple[str, ...], str] = {}
    for path in files:
        lines = path.read_text().splitlines()
        assert len(lines) < 900, f"{path} has {len(lines)} lines"
        for i in range(len(lines) - run + 1):
            window = tuple(lines[i : i + run])
            first = seen.setdefault(window, f"{path}:{i + 1}")
            assert first == f"{path}:{i + 1}", f"{path}:{i + 1} repeats {first} for {run} lines"


def test_rendered_workflows_equal_the_hera_render(case):
    values, docs = case
    rendered = {(d["kind"], d["metadata"]["name"]): d for d in docs if d["kind"] in ARGO_KINDS}
    expected = hera_bodies(workflow_config(values))
    assert rendered.keys() == expected.keys()
    for key, body in expected.items():
        assert rendered[key] == body, f"{key} differs from the Hera render"
        # Typed too: fromYaml/toYaml must not turn an integer into a float (Python's == takes 3600.0 for 3600).
        assert json.dumps(rendered[key], sort_keys=True) == json.dumps(body, sort_keys=True), key


def test_argo_expressions_survive_helm():
    text = render_files({})["coretelecoms/templates/workflows.yaml"]
    daily = by_kind([d for d in yaml.safe_load_all(text) if d], "WorkflowTemplate")["coretelecoms-daily"]
    values = [node for node in nodes(daily) if isinstance(node, str) and "{{" in node]
    assert "{{inputs.parameters.run-date}}" in values
    assert "{{workflow.name}}" in values
    assert any(v.startswith("{{=workflow.parameters['run-date'] == 'yesterday'") for v in values)


def test_values_change_what_they_should():
    docs = render(EVERYTHING)
    daily = by_kind(docs, "WorkflowTemplate")["coretelecoms-daily"]
    images = {t["name"]: t["container"]["image"] for t in daily["spec"]["templates"] if "container" in t}
    registry = EVERYTHING["imageRegistry"]
    assert images["extract-customers"] == f"{registry}/coretelecoms-extract-files:3f9a1c2"
    assert images["transform"] == f"{registry}/coretelecoms-dbt:dbt-only@sha256:" + "ab" * 32
    accounts = {t["name"]: t.get("serviceAccountName") for t in daily["spec"]["templates"]}
    assert accounts["load"] == "ct-loader"
    assert daily["spec"]["serviceAccountName"] == "ct-workflow"
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in daily["spec"]["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claims == {"shared-home"}
    params = {p["name"]: p for p in daily["spec"]["arguments"]["parameters"]}
    assert (
        params["timezone"]["value"] == "Europe/London"
    )  # the zone "yesterday" is reckoned in, as the cron's
    cron = by_kind(docs, "CronWorkflow")["coretelecoms-daily"]
    assert cron["spec"]["schedules"] == ["30 4 * * 1-5"]
    assert cron["spec"]["timezone"] == "Europe/London"
    backfill = by_kind(docs, "WorkflowTemplate")["coretelecoms-backfill"]
    main = next(t for t in backfill["spec"]["templates"] if t["name"] == "main")
    assert main["parallelism"] == 5
    # An existing claim is used, not created.
    assert "coretelecoms-state" not in by_kind(docs, "PersistentVolumeClaim")


@pytest.mark.parametrize(
    "bad",
    [
        {"unknownKey": 1},
        {"images": {"loader": {"repository": "x", "tagg": "1"}}},
        {"images": {"spark": {"repository": "x"}}},
        {"images": {"loader": {"digest": "sha256:short"}}},
        {"imageTag": "has space"},
        {"backfillParallelism": "3"},
        {"backfillParallelism": 0},
        {"schedule": "daily at 3"},
        {"serviceAccounts": {"steps": {"dbt": {"name": "Not_A_Name"}}}},
        {"serviceAccounts": {"steps": {"dbt": {"roleArn": "arn:aws:iam::12:user/x"}}}},
        {"stateVolume": {"enabled": "yes"}},
        {"stateVolume": {"accessModes": ["ReadWriteAlways"]}},
        {"env": {"CORETELECOMS_POSTGRES_DSN": "postgresql://u:p@h/db"}},
        {"env": {"SNOWFLAKE_PASSWORD": "hunter2"}},
        {"imageEnv": {"dbt": {"SNOWFLAKE_PRIVATE_KEY": "-----BEGIN"}}},
        {"imageEnv": {"spark": {"A": "b"}}},
        {"externalSecrets": {"secretStoreRef": {"kind": "Vault"}}},
        {"devStack": {"seed": {"days": 0}}},
        {"defaultTarget": "postgres"},
        {"defaultTarget": ""},
        {"alertsRequired": "false"},
    ],
)
def test_schema_rejects_wrong_values(bad: dict):
    with pytest.raises(helm.HelmValuesError):
        render(bad)


def test_every_value_is_documented():
    """Each key of values.yaml has a comment right above it (or an inline one)."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    undocumented = []
    for i, line in enumerate(lines):
        match = re.match(r"^\s*([A-Za-z][\w-]*):", line)
        if not match:
            continue
        previous = lines[i - 1].strip() if i else ""
        if not previous.startswith("#") and "#" not in line.split(":", 1)[1]:
            undocumented.append(match.group(1))
    assert undocumented == []


def test_every_value_is_in_the_schema():
    import json

    schema = json.loads((CHART / "values.schema.json").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())

    def walk(values: dict, node: dict, path: str) -> None:
        assert node.get("additionalProperties") is False, f"{path or 'top level'} accepts unknown keys"
        for key, value in values.items():
            assert key in node["properties"], f"{path}.{key} is not in the schema"
            child = node["properties"][key]
            if isinstance(value, dict) and "properties" in child:
                walk(value, child, f"{path}.{key}")

    walk(defaults, schema, "")
    assert sorted(schema["properties"]["images"]["properties"]) == sorted(IMAGES)
    assert sorted(schema["properties"]["serviceAccounts"]["properties"]["steps"]["properties"]) == sorted(
        IMAGES
    )


def test_core_kinds_validate_against_kubernetes_schemas(case):
    import kubernetes_validate

    _, docs = case
    core = [
        d for d in docs if d["kind"] not in ARGO_KINDS and not d["apiVersion"].startswith("external-secrets")
    ]
    assert core
    for doc in core:
        kubernetes_validate.validate(doc, "1.33.0", strict=True)


def test_argo_kinds_validate_against_argo_models(case):
    from hera.workflows import models as m

    _, docs = case
    models = {"WorkflowTemplate": m.WorkflowTemplate, "CronWorkflow": m.CronWorkflow}
    argo = [d for d in docs if d["kind"] in ARGO_KINDS]
    assert {d["kind"] for d in argo} == set(models)
    for doc in argo:
        models[doc["kind"]].model_validate(doc)


def test_external_secrets_reference_the_names_the_pods_read():
    docs = render(EVERYTHING)
    external = by_kind(docs, "ExternalSecret")
    assert sorted(external) == ["coretelecoms-postgres", "coretelecoms-slack"]
    assert external["coretelecoms-postgres"]["spec"]["dataFrom"] == [{"extract": {"key": "ct/postgres"}}]
    assert external["coretelecoms-slack"]["spec"]["secretStoreRef"] == {
        "kind": "ClusterSecretStore",
        "name": "aws-secrets",
    }
    with pytest.raises(helm.HelmRenderError, match=r"secretStoreRef\.name is required"):
        render({"externalSecrets": {"enabled": True, "remoteKeys": {"slack": "x"}}})


def _secret_refs(docs: list[dict]) -> set[str]:
    """Every secret name a rendered object points at (env secretKeyRef, secret volumes)."""
    names: set[str] = set()
    for node in mappings(docs):
        if "secretKeyRef" in node:
            names.add(node["secretKeyRef"]["name"])
        if "secret" in node and isinstance(node["secret"], dict) and "secretName" in node["secret"]:
            names.add(node["secret"]["secretName"])
    return names


def test_secrets_are_referenced_never_held(case):
    values, docs = case
    documented = {
        "coretelecoms-postgres",
        "coretelecoms-google",
        "coretelecoms-snowflake-loader",
        "coretelecoms-snowflake-dbt",
        "coretelecoms-slack",
    }
    assert _secret_refs(docs) <= documented
    # The only Secret the chart ever writes is the dev stack's generated PostgreSQL password.
    secrets = by_kind(docs, "Secret")
    dev = values.get("devStack", {}).get("enabled", False)
    assert sorted(secrets) == (["coretelecoms-postgres"] if dev else [])
    documented_in_values = (CHART / "values.yaml").read_text()
    for name in documented:
        assert name in documented_in_values


def test_service_accounts_carry_the_role_and_rbac_covers_every_pod(case):
    values, docs = case
    accounts = by_kind(docs, "ServiceAccount")
    templates = [d for d in docs if d["kind"] == "WorkflowTemplate"]
    used = {d["spec"]["serviceAccountName"] for d in templates}
    used |= {
        t["serviceAccountName"]
        for d in templates
        for t in d["spec"]["templates"]
        if "serviceAccountName" in t
    }
    assert used <= set(accounts), "a workflow pod runs as a ServiceAccount the chart does not create"
    binding = by_kind(docs, "RoleBinding")["coretelecoms-executor"]
    assert {s["name"] for s in binding["subjects"]} == set(accounts)
    role = by_kind(docs, "Role")["coretelecoms-executor"]
    assert role["rules"] == [
        {"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]}
    ]
    steps = (values.get("serviceAccounts") or {}).get("steps") or {}
    for image, spec in steps.items():
        if spec.get("roleArn"):
            name = spec.get("name", image)
            assert accounts[name]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == spec["roleArn"]


def test_configmaps_hold_the_settings(case):
    values, docs = case
    maps = by_kind(docs, "ConfigMap")
    required = str(values.get("alertsRequired", True)).lower()
    assert maps["coretelecoms-env"]["data"] == {
        **{k: str(v) for k, v in (values.get("env") or {}).items()},
        "CORETELECOMS_ALERTS_REQUIRED": required,
    }
    for image, env in (values.get("imageEnv") or {}).items():
        assert maps[f"coretelecoms-env-{image}"]["data"] == {k: str(v) for k, v in env.items()}
    # Every pod reads the shared ConfigMap, which must therefore always exist.
    daily = by_kind(docs, "WorkflowTemplate")["coretelecoms-daily"]
    for template in daily["spec"]["templates"]:
        if "container" in template:
            refs = [e["configMapRef"]["name"] for e in template["container"]["envFrom"]]
            assert refs[0] == "coretelecoms-env"


def test_everything_is_namespaced_in_the_release_namespace(case):
    _, docs = case
    for doc in docs:
        assert doc["metadata"].get("namespace") == NAMESPACE, doc["metadata"]["name"]


def _target_defaults(docs: list[dict]) -> dict[str, str]:
    """Each WorkflowTemplate's `target` parameter default."""
    return {
        name: next(p for p in d["spec"]["arguments"]["parameters"] if p["name"] == "target")["value"]
        for name, d in by_kind(docs, "WorkflowTemplate").items()
    }


def _alerts(docs: list[dict]) -> tuple[str, dict]:
    """What the exit handler is told: the cluster's CORETELECOMS_ALERTS_REQUIRED and the webhook's reference."""
    daily = by_kind(docs, "WorkflowTemplate")["coretelecoms-daily"]
    container = next(t for t in daily["spec"]["templates"] if t["name"] == "notify-slack")["container"]
    (var,) = [v for v in container["env"] if v["name"] == "CORETELECOMS_SLACK_WEBHOOK_URL"]
    required = by_kind(docs, "ConfigMap")["coretelecoms-env"]["data"]["CORETELECOMS_ALERTS_REQUIRED"]
    return required, var["valueFrom"]["secretKeyRef"]


# The reference is optional everywhere - the pod starts and the command decides - so only the setting differs.
WEBHOOK = {"key": "webhook-url", "name": "coretelecoms-slack", "optional": True}


def test_kind_values_default_to_duckdb_and_make_the_alert_optional():
    """The kind dev loop: the nightly cron runs on the in-cluster DuckDB, and the exit handler succeeds,
    logging the skipped alert, although kind has no coretelecoms-slack secret."""
    docs = render(VALUE_SETS["kind"])
    assert _target_defaults(docs) == {"coretelecoms-daily": "duckdb", "coretelecoms-backfill": "duckdb"}
    cron = by_kind(docs, "CronWorkflow")["coretelecoms-daily"]
    assert "arguments" not in cron["spec"]["workflowSpec"]  # its runs take the template's default
    assert _alerts(docs) == ("false", WEBHOOK)
    assert "use the duckdb warehouse" in render_files(VALUE_SETS["kind"])["coretelecoms/templates/NOTES.txt"]


@pytest.mark.parametrize("name", ["defaults", "argocd-dev", "argocd-prod"])
def test_production_keeps_snowflake_and_requires_the_alert(name: str):
    docs = render(VALUE_SETS[name])
    assert set(_target_defaults(docs).values()) == {"snowflake"}
    assert _alerts(docs) == ("true", WEBHOOK)


def _guard(docs: list[dict]) -> dict[str, tuple[list[str], str]]:
    """Per WorkflowTemplate: the target parameter's enum and the default of the check-target guard's `allowed`."""
    daily = by_kind(docs, "WorkflowTemplate")["coretelecoms-daily"]
    check = next(t for t in daily["spec"]["templates"] if t["name"] == "check-target")
    (allowed,) = [p["default"] for p in check["inputs"]["parameters"] if p["name"] == "allowed"]
    return {
        name: (
            next(p for p in d["spec"]["arguments"]["parameters"] if p["name"] == "target")["enum"],
            allowed,
        )
        for name, d in by_kind(docs, "WorkflowTemplate").items()
    }


def test_duckdb_is_allowed_only_with_the_shared_state_volume():
    """Without the volume, the UI offers snowflake only and the guard refuses `-p target=duckdb`."""
    without = _guard(render({}))
    assert list(without.values()) == [(["snowflake"], "snowflake")] * 2
    with_volume = _guard(render({"stateVolume": {"enabled": True}}))
    assert list(with_volume.values()) == [(["snowflake", "duckdb"], "snowflake,duckdb")] * 2


def test_state_volume_is_chosen_once_per_template():
    """The claim appears in spec.volumes only; every step mounts `state` by name, whatever backs it."""
    for values, expected in (
        ({}, {"emptyDir": {}}),
        (EVERYTHING, {"persistentVolumeClaim": {"claimName": "shared-home"}}),
    ):
        for name, template in by_kind(render(values), "WorkflowTemplate").items():
            (state,) = [v for v in template["spec"]["volumes"] if v["name"] == "state"]
            assert {k: v for k, v in state.items() if k != "name"} == expected, name
            assert all(
                "persistentVolumeClaim" not in str(t.get("volumes", ""))
                for t in template["spec"]["templates"]
            )


def test_a_duckdb_default_needs_the_state_volume():
    with pytest.raises(helm.HelmRenderError, match=r"defaultTarget duckdb needs stateVolume\.enabled"):
        render({"defaultTarget": "duckdb"})


def test_dev_stack_needs_the_state_volume():
    with pytest.raises(helm.HelmRenderError, match=r"devStack\.enabled needs stateVolume\.enabled"):
        render({"devStack": {"enabled": True}})


def test_dev_stack_seeds_the_shared_volume():
    docs = render(VALUE_SETS.get("kind") or {"stateVolume": {"enabled": True}, "devStack": {"enabled": True}})
    job = by_kind(docs, "Job")["coretelecoms-generate-sources"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    spec = job["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert "coretelecoms sources generate" in container["args"][0]
    assert '--start "$(date -u -d "3 days ago" +%F)" --days 3' in container["args"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["CORETELECOMS_HOME"]["value"] == "/var/lib/coretelecoms"
    assert env["CORETELECOMS_POSTGRES_DSN"]["valueFrom"]["secretKeyRef"] == {
        "name": "coretelecoms-postgres",
        "key": "dsn",
    }
    assert spec["volumes"][0]["persistentVolumeClaim"]["claimName"] == "coretelecoms-state"
    # The workflows mount the same claim at the same place.
    daily = by_kind(docs, "WorkflowTemplate")["coretelecoms-daily"]
    load = next(t for t in daily["spec"]["templates"] if t["name"] == "load")
    assert {"name": "CORETELECOMS_HOME", "value": "/var/lib/coretelecoms"} in load["container"]["env"]
    dsn = by_kind(docs, "Service")["coretelecoms-postgres"]
    assert dsn["spec"]["ports"][0]["port"] == 5432


# ---------------------------------------------------------------- Pod Security Standard "restricted"

ALLOWED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def _pods(docs: list[dict]):
    """(where, pod-level securityContext, pod spec, containers) of every pod the objects create."""
    for doc in docs:
        kind = doc["kind"]
        if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            spec = doc["spec"]["template"]["spec"]
            yield (
                f"{kind}/{doc['metadata']['name']}",
                spec.get("securityContext", {}),
                spec,
                spec["containers"],
            )
        elif kind == "WorkflowTemplate":
            workflow_context = doc["spec"].get("securityContext", {})
            for template in doc["spec"]["templates"]:
                if "container" in template:
                    context = template.get("securityContext", workflow_context)
                    yield (
                        f"{doc['metadata']['name']}/{template['name']}",
                        context,
                        template,
                        [template["container"]],
                    )


def _restricted_violations(where, pod_context, spec, containers) -> list[str]:
    problems = []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            problems.append(f"{where}: {key}")
    for volume in spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            problems.append(f"{where}: volume type {kinds}")
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type")
    for c in containers:
        sc = c.get("securityContext") or {}
        name = f"{where}:{c.get('name', 'main')}"
        if sc.get("privileged"):
            problems.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation must be false")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            problems.append(f"{name}: capabilities must drop ALL")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities")
        if sc.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
            problems.append(f"{name}: runAsNonRoot must be true")
        if sc.get("runAsUser", pod_context.get("runAsUser")) == 0:
            problems.append(f"{name}: runs as uid 0")
        if (sc.get("seccompProfile") or {}).get("type", pod_seccomp) not in {"RuntimeDefault", "Localhost"}:
            problems.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost")
        for port in c.get("ports", []):
            if port.get("hostPort"):
                problems.append(f"{name}: hostPort")
    return problems


def test_pods_meet_the_restricted_pod_security_standard(case):
    _, docs = case
    pods = list(_pods(docs))
    assert pods
    problems = [p for pod in pods for p in _restricted_violations(*pod)]
    assert problems == []


def test_restricted_checker_catches_violations():
    """The checker above is not vacuous: a root, privileged, hostPath pod fails on every count."""
    bad = {
        "hostNetwork": True,
        "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
        "containers": [{"name": "c", "securityContext": {"privileged": True, "runAsUser": 0}}],
    }
    problems = _restricted_violations("bad", {}, bad, bad["containers"])
    assert len(problems) >= 7


def test_read_only_root_filesystems(case):
    _, docs = case
    for where, _, _, containers in _pods(docs):
        for c in containers:
            assert c["securityContext"].get("readOnlyRootFilesystem") is True, where
