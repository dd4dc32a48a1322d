"""apply/submit/wait through the real kubernetes client against a local custom-objects API server."""

from __future__ import annotations

import pytest
from fake_kube import FakeKube, serve
from workflows_cli import workflows_cli as _cli

from coretelecoms.common.errors import PipelineError
from coretelecoms.orchestrate import kube
from coretelecoms.orchestrate.config import WorkflowConfig
from coretelecoms.orchestrate.render import manifests

NS = "coretelecoms"


@pytest.fixture
def fake():
    fake = FakeKube()
    server = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(fake, tmp_path):
    return kube.connect(fake.kubeconfig(tmp_path / "kubeconfig"))


def _bodies(**config) -> list[dict]:
    return [m.body for m in manifests(WorkflowConfig(**config))]


def _one_line(exc: PipelineError) -> str:
    text = str(exc)
    assert "\n" not in text
    return text


def test_apply_creates_then_leaves_alone_then_replaces_at_the_read_version(fake, api):
    created = kube.apply_all(api, _bodies(), NS)
    assert [(r.kind, r.name, result) for r, result in created] == [
        ("WorkflowTemplate", "coretelecoms-daily", "created"),
        ("WorkflowTemplate", "coretelecoms-backfill", "created"),
        ("CronWorkflow", "coretelecoms-daily", "created"),
    ]
    assert set(fake.objects) == {
        (NS, "workflowtemplates", "coretelecoms-daily"),
        (NS, "workflowtemplates", "coretelecoms-backfill"),
        (NS, "cronworkflows", "coretelecoms-daily"),
    }

    assert [result for _, result in kube.apply_all(api, _bodies(), NS)] == ["unchanged"] * 3
    assert not [r for r in fake.requests if r[0] == "PUT"]

    before = fake.objects[(NS, "workflowtemplates", "coretelecoms-daily")]["metadata"]["resourceVersion"]
    results = kube.apply_all(api, _bodies(image_tag="0.2.0"), NS)
    assert [result for _, result in results] == ["configured", "configured", "unchanged"]
    put = next(
        body
        for method, path, body in fake.requests
        if method == "PUT" and path.endswith("/coretelecoms-daily")
    )
    assert put["metadata"]["resourceVersion"] == before  # optimistic concurrency on the version just read
    stored = fake.objects[(NS, "workflowtemplates", "coretelecoms-daily")]
    assert stored["metadata"]["resourceVersion"] != before
    assert stored["spec"]["templates"][0]["container"]["image"].endswith(":0.2.0")


def test_what_the_controller_adds_does_not_make_apply_replace(fake, api):
    """Argo's cron controller annotates its CronWorkflow and writes its status, and the Argo server labels
    what it creates: apply still sees our objects as unchanged, and a real change keeps what it added."""
    kube.apply_all(api, _bodies(), NS)
    cron_key = (NS, "cronworkflows", "coretelecoms-daily")
    cron = fake.objects[cron_key]
    cron["metadata"]["annotations"]["cronworkflows.argoproj.io/last-used-schedule"] = "CRON_TZ=UTC 0 3 * * *"
    cron["metadata"].setdefault("labels", {})["workflows.argoproj.io/creator"] = "system-serviceaccount"
    cron["status"] = {"lastScheduledTime": "2025-11-21T03:00:00Z", "active": [], "phase": "Active"}
    fake.bump(cron)
    version = cron["metadata"]["resourceVersion"]

    assert [result for _, result in kube.apply_all(api, _bodies(), NS)] == ["unchanged"] * 3
    assert not [r for r in fake.requests if r[0] == "PUT"]
    assert fake.objects[cron_key]["metadata"]["resourceVersion"] == version

    results = kube.apply_all(api, _bodies(schedule="30 4 * * *"), NS)
    assert [result for _, result in results] == ["unchanged", "unchanged", "configured"]
    stored = fake.objects[cron_key]
    assert stored["spec"]["schedules"] == ["30 4 * * *"]
    assert stored["status"]["lastScheduledTime"] == "2025-11-21T03:00:00Z"  # not wiped by the replace
    assert stored["metadata"]["annotations"]["cronworkflows.argoproj.io/last-used-schedule"]
    assert stored["metadata"]["labels"]["workflows.argoproj.io/creator"] == "system-serviceaccount"
    # Our own metadata is still compared: a label changed by hand is put back.
    stored["metadata"]["labels"]["app.kubernetes.io/part-of"] = "someone-else"
    assert kube.apply_all(api, _bodies(schedule="30 4 * * *"), NS)[2][1] == "configured"


def test_a_lost_race_is_retried_on_a_fresh_read(fake, api):
    kube.apply_all(api, _bodies(), NS)
    raced = []

    def concurrent_writer(obj):
        if not raced:  # someone else updates the template between our read and our replace, once
            raced.append(obj["metadata"]["name"])
            fake.bump(obj)

    fake.before_replace = concurrent_writer
    _, result = kube.apply_all(api, _bodies(image_tag="0.2.0")[:1], NS)[0]
    assert result == "configured"
    assert raced == ["coretelecoms-daily"]
    puts = [r for r in fake.requests if r[0] == "PUT"]
    assert (
        len(puts) == 2
        and puts[0][2]["metadata"]["resourceVersion"] != puts[1][2]["metadata"]["resourceVersion"]
    )


def test_a_conflict_that_persists_is_one_clear_error(fake, api):
    kube.apply_all(api, _bodies(), NS)
    fake.before_replace = fake.bump  # every replace loses
    with pytest.raises(PipelineError) as err:
        kube.apply(api, _bodies(image_tag="0.2.0")[0], NS)
    assert _one_line(err.value) == (
        "conflict on replace workflowtemplate coretelecoms/coretelecoms-daily: it changed between every read "
        "and write (3 attempts); someone else is updating it - try again"
    )
    assert len([r for r in fake.requests if r[0] == "PUT"]) == kube.ATTEMPTS


def test_missing_namespace_is_one_clear_error(api):
    with pytest.raises(PipelineError) as err:
        kube.apply(api, _bodies()[0], "nowhere")
    text = _one_line(err.value)
    # The read finds nothing (404), so apply creates - and the create names the missing namespace.
    assert text.startswith("cannot create workflowtemplate nowhere/coretelecoms-daily: not found")
    assert 'namespaces "nowhere" not found' in text and "does namespace nowhere exist?" in text


def test_forbidden_is_one_clear_error(fake, api):
    fake.forbidden.add(("create", "workflowtemplates"))
    with pytest.raises(PipelineError) as err:
        kube.apply(api, _bodies()[0], NS)
    assert _one_line(err.value) == (
        "forbidden to create workflowtemplate coretelecoms/coretelecoms-daily: workflowtemplates.argoproj.io is "
        'forbidden: User "dev" cannot create resource "workflowtemplates" in API group "argoproj.io" in the '
        'namespace "coretelecoms"'
    )


def test_unreachable_api_server_is_one_clear_error(tmp_path):
    fake = FakeKube(url="http://127.0.0.1:9")  # the discard port: nothing listens
    api = kube.connect(fake.kubeconfig(tmp_path / "kubeconfig"))
    api.api_client.configuration.retries = 0
    with pytest.raises(PipelineError) as err:
        kube.apply(api, _bodies()[0], NS)
    assert _one_line(err.value).startswith("cannot reach the Kubernetes API to read workflowtemplate")


def test_submit_creates_a_workflow_from_the_template(fake, api):
    name = kube.submit(api, NS, "coretelecoms-daily", {"run-date": "2025-11-20", "target": "duckdb"})
    body = fake.objects[(NS, "workflows", name)]
    assert name.startswith("coretelecoms-daily-")
    assert body["spec"] == {
        "workflowTemplateRef": {"name": "coretelecoms-daily"},
        "arguments": {
            "parameters": [{"name": "run-date", "value": "2025-11-20"}, {"name": "target", "value": "duckdb"}]
        },
    }


def _pod(name: str, phase: str) -> dict:
    return {"displayName": name, "type": "Pod", "phase": phase}


def test_wait_follows_the_workflow_to_its_end(fake, api):
    name = kube.submit(api, NS, "coretelecoms-daily", {})
    fake.statuses = [
        {"phase": "Running", "nodes": {"a": _pod("extract-customers", "Running")}},
        {
            "phase": "Running",
            "nodes": {"a": _pod("extract-customers", "Succeeded"), "b": _pod("load", "Running")},
        },
        {
            "phase": "Failed",
            "message": "child 'x' failed",
            "nodes": {"a": _pod("extract-customers", "Succeeded"), "b": _pod("load", "Failed")},
        },
    ]
    lines: list[str] = []
    outcome = kube.wait(api, NS, name, poll_seconds=0, echo=lines.append, sleep=lambda s: None)
    assert outcome == kube.Outcome("Failed", "child 'x' failed", ["load"])
    assert lines == [
        "  extract-customers: Running",
        f"{name}: Running",
        "  extract-customers: Succeeded",
        "  load: Running",
        "  load: Failed",
        f"{name}: Failed",
    ]


def test_cli_apply_then_submit_and_wait(fake, tmp_path):
    config = str(fake.kubeconfig(tmp_path / "kubeconfig"))
    applied = _cli("apply", "--kubeconfig", config, "--image-registry", "registry.example/ct")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == [
        "workflowtemplate/coretelecoms-daily created",
        "workflowtemplate/coretelecoms-backfill created",
        "cronworkflow/coretelecoms-daily created",
    ]
    image = fake.objects[(NS, "workflowtemplates", "coretelecoms-daily")]["spec"]["templates"][0][
        "container"
    ]["image"]
    assert image.startswith("registry.example/ct/coretelecoms-extract-files:")

    fake.statuses = [
        {"phase": "Running"},
        {"phase": "Succeeded", "nodes": {"a": _pod("transform", "Succeeded")}},
    ]
    env = {"CORETELECOMS_ARGO_UI_URL": "https://argo.example.test/"}
    done = _cli("submit", "--kubeconfig", config, "--date", "2025-11-20", "--wait", "--poll", "0.01", env=env)
    assert done.returncode == 0, done.stderr
    name = done.stdout.splitlines()[0].removeprefix("submitted ")
    assert done.stdout.splitlines()[:2] == [
        f"submitted {name}",
        f"https://argo.example.test/workflows/{NS}/{name}",
    ]
    assert done.stdout.splitlines()[-1] == f"{name}: Succeeded"
    params = fake.objects[(NS, "workflows", name)]["spec"]["arguments"]["parameters"]
    assert params == [{"name": "run-date", "value": "2025-11-20"}]


def test_cli_submit_wait_exits_1_when_the_run_fails(fake, tmp_path):
    config = str(fake.kubeconfig(tmp_path / "kubeconfig"))
    fake.statuses = [
        {"phase": "Failed", "message": "child failed", "nodes": {"a": _pod("extract-web-forms", "Failed")}}
    ]
    result = _cli(
        "submit",
        "--kubeconfig",
        config,
        "--start",
        "2025-11-01",
        "--end",
        "2025-11-03",
        "--target",
        "duckdb",
        "--full-refresh",
        "--wait",
        "--poll",
        "0.01",
    )
    assert result.returncode == 1
    name = result.stdout.splitlines()[0].removeprefix("submitted ")
    assert name.startswith("coretelecoms-backfill-")
    assert result.stderr.strip().splitlines() == [
        f"error: workflow {name} failed: child failed (failed: extract-web-forms) - http://localhost:2746/workflows/{NS}/{name}"
    ]
    params = {
        p["name"]: p["value"]
        for p in fake.objects[(NS, "workflows", name)]["spec"]["arguments"]["parameters"]
    }
    assert params == {
        "start-date": "2025-11-01",
        "end-date": "2025-11-03",
        "target": "duckdb",
        "full-refresh": "true",
    }


def test_cli_errors_are_one_line(fake, tmp_path):
    config = str(fake.kubeconfig(tmp_path / "kubeconfig"))
    fake.forbidden.add(("create", "workflows"))
    result = _cli("submit", "--kubeconfig", config, "--namespace", NS)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        "error: forbidden to create workflow coretelecoms/"
    )

    reversed_range = _cli("submit", "--kubeconfig", config, "--start", "2025-11-03", "--end", "2025-11-01")
    assert reversed_range.returncode == 2 and "is before --start" in reversed_range.stderr
    assert not [
        r
        for r in fake.requests
        if r[0] == "POST"
        and "workflows" in r[1]
        and r[2]["spec"]["workflowTemplateRef"]["name"] == "coretelecoms-backfill"
    ]


def test_no_credentials_is_one_clear_error(tmp_path):
    result = _cli("apply", env={"HOME": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr == (
        "error: no Kubernetes credentials: no kubeconfig found and not running in a cluster "
        "(pass --kubeconfig or set KUBECONFIG)\n"
    )


def test_unreadable_kubeconfig_is_one_clear_error(tmp_path):
    missing = tmp_path / "nope"
    result = _cli("apply", "--kubeconfig", str(missing))
    assert result.returncode == 1
    assert (
        result.stderr.startswith(f"error: cannot use kubeconfig {missing}") and result.stderr.count("\n") == 1
    )


def test_cli_render_needs_no_cluster_and_checks_staleness(tmp_path):
    out = tmp_path / "out"
    result = _cli("render", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "cronworkflow-coretelecoms-daily.yaml",
        "workflowtemplate-coretelecoms-backfill.yaml",
        "workflowtemplate-coretelecoms-daily.yaml",
    ]
    assert _cli("render", "--out", str(out), "--check").returncode == 0
    changed = _cli("render", "--out", str(out), "--check", "--image-tag", "9.9.9")
    assert changed.returncode == 1
    assert changed.stderr.splitlines()[-1] == (
        f"error: 2 manifest(s) in {out} are stale: run coretelecoms workflows render --out {out}"
    )
