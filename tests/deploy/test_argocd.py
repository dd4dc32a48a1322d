"""The Argo CD Applications deploy this repository's chart with per-environment values that render and validate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "charts"))
from chart_render import REPO, by_kind, load_values, render

from coretelecoms.pipeline.steps import IMAGES

ARGOCD = REPO / "deploy" / "argocd"
ENVIRONMENTS = ("dev", "prod")
SHA = "0123456789abcdef0123456789abcdef01234567"


def _application(env: str) -> dict:
    return yaml.safe_load((ARGOCD / f"application-{env}.yaml").read_text())


def _values_files(app: dict) -> list[Path]:
    chart = REPO / app["spec"]["source"]["path"]
    return [(chart / f).resolve() for f in app["spec"]["source"]["helm"]["valueFiles"]]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_application_deploys_the_chart_of_this_repository(env):
    app = _application(env)
    project = yaml.safe_load((ARGOCD / "project.yaml").read_text())
    source = app["spec"]["source"]
    assert app["kind"] == "Application" and app["metadata"]["name"] == f"coretelecoms-{env}"
    assert source["path"] == "charts/coretelecoms"
    assert source["repoURL"] in project["spec"]["sourceRepos"]
    assert app["spec"]["project"] == project["metadata"]["name"]
    destination = app["spec"]["destination"]
    assert {"server": destination["server"], "namespace": destination["namespace"]} in project["spec"][
        "destinations"
    ]
    # Every values file is inside the repository (Argo CD refuses others) and exists.
    for path in _values_files(app):
        assert path.is_relative_to(REPO) and path.exists(), path
    assert [p.name for p in _values_files(app)] == [f"values-{env}.yaml", f"infra-{env}.yaml"]
    # The images deployed are the ones CI built from the very commit Argo CD deploys.
    assert {"name": "imageTag", "value": "$ARGOCD_APP_REVISION"} in source["helm"]["parameters"]
    labels = app["spec"]["syncPolicy"]["managedNamespaceMetadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_renders_with_pulumi_outputs_named(env):
    app = _application(env)
    values = load_values(*_values_files(app)) | {"imageTag": SHA}
    docs = render(values, namespace=app["spec"]["destination"]["namespace"])
    project = yaml.safe_load((ARGOCD / "project.yaml").read_text())
    allowed = {(k["group"], k["kind"]) for k in project["spec"]["namespaceResourceWhitelist"]}
    for doc in docs:
        group = doc["apiVersion"].rpartition("/")[0]
        assert (group, doc["kind"]) in allowed, f"the project does not allow {doc['kind']}"
    accounts = by_kind(docs, "ServiceAccount")
    infra = (ARGOCD / f"infra-{env}.yaml").read_text()
    for image in IMAGES:
        # Each identity value says which Pulumi output it is.
        assert f"# Pulumi output role_arns.{image}" in infra
        assert f"# Pulumi output service_accounts.{image}" in infra
        name = values["serviceAccounts"]["steps"][image]["name"]
        assert accounts[name]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith(
            "arn:aws:iam::"
        )
    env_map = by_kind(docs, "ConfigMap")["coretelecoms-env"]["data"]
    assert env_map["CORETELECOMS_LAKE_URL"].startswith("s3://")
    assert env_map["SNOWFLAKE_STAGE"] == "RAW.LAKE_STAGE"
    assert "# Pulumi output pipeline_env" in infra
    # Production pulls pinned-by-commit images from the registry and no dev machinery is deployed.
    daily = by_kind(docs, "WorkflowTemplate")["coretelecoms-daily"]
    images = {t["container"]["image"] for t in daily["spec"]["templates"] if "container" in t}
    assert all(i.startswith(values["imageRegistry"] + "/") and i.endswith(f":{SHA}") for i in images)
    assert (
        not by_kind(docs, "Job")
        and not by_kind(docs, "Secret")
        and not by_kind(docs, "PersistentVolumeClaim")
    )
    assert sorted(by_kind(docs, "ExternalSecret")) == sorted(
        [
            "coretelecoms-postgres",
            "coretelecoms-google",
            "coretelecoms-snowflake-loader",
            "coretelecoms-snowflake-dbt",
            "coretelecoms-slack",
        ]
    )


def test_infra_values_are_what_the_generator_makes_of_the_outputs(tmp_path):
    """pulumi_values.py turns `pulumi stack output --json` into infra-<env>.yaml, naming each output."""
    outputs = {
        "namespace": "coretelecoms",
        "service_accounts": {i: f"sa-{i}" for i in IMAGES},
        "role_arns": {i: f"arn:aws:iam::111122223333:role/pipeline-{i}-abc1234" for i in IMAGES},
        "pipeline_env": {
            "AWS_REGION": "eu-west-1",
            "CORETELECOMS_LAKE_URL": "s3://lake",
            "SNOWFLAKE_STAGE": "RAW.LAKE_STAGE",
        },
        "snowflake_users": {
            "loader": {"user": "LOADER", "role": "LOADER"},
            "dbt": {"user": "T", "role": "T"},
        },
        "lake_bucket": "lake",
    }
    result = subprocess.run(
        [sys.executable, str(ARGOCD / "pulumi_values.py"), "test"],
        input=json.dumps(outputs),
        capture_output=True,
        text=True,
        check=True,
    )
    values = yaml.safe_load(result.stdout)
    assert values["serviceAccounts"]["steps"]["loader"] == {
        "name": "sa-loader",
        "roleArn": "arn:aws:iam::111122223333:role/pipeline-loader-abc1234",
    }
    assert values["env"] == outputs["pipeline_env"]
    assert values["imageEnv"]["dbt"] == {"SNOWFLAKE_USER": "T", "SNOWFLAKE_ROLE": "T"}
    render(values)  # the chart's schema accepts it
    # The committed files have the generator's shape (only the stack's values differ).
    for env in ENVIRONMENTS:
        committed = yaml.safe_load((ARGOCD / f"infra-{env}.yaml").read_text())
        assert committed.keys() == values.keys()
        assert committed["serviceAccounts"]["steps"].keys() == values["serviceAccounts"]["steps"].keys()
    bad = subprocess.run(
        [sys.executable, str(ARGOCD / "pulumi_values.py"), "test"], input="{}", capture_output=True, text=True
    )
    assert bad.returncode != 0 and "lack" in bad.stderr


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_runs_on_snowflake_and_requires_the_alert(env):
    """Both EKS environments say so explicitly, so a change of the chart's defaults cannot move them."""
    values = load_values(*_values_files(_application(env)))
    assert values["defaultTarget"] == "snowflake" and values["alertsRequired"] is True
    docs = render(values | {"imageTag": SHA})
    for template in by_kind(docs, "WorkflowTemplate").values():
        (param,) = [p for p in template["spec"]["arguments"]["parameters"] if p["name"] == "target"]
        assert param["value"] == "snowflake"
    # A missing Slack secret fails the exit handler (its command reads this from the ConfigMap).
    assert by_kind(docs, "ConfigMap")["coretelecoms-env"]["data"]["CORETELECOMS_ALERTS_REQUIRED"] == "true"
