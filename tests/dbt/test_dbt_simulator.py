"""End to end on the source simulator: the marts agree with its truth manifest, and re-runs change nothing.

Runs the real pipeline (`coretelecoms demo`: simulator, extractors, loader, embedded PostgreSQL, then
dbt) in a subprocess, as a user would, and checks what reached the marts against what the simulator
says it injected.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dbt_warehouse import make_settings, query, snapshot

pytestmark = pytest.mark.slow

CHANNELS = {"call_center": "call-logs", "social_media": "social-media", "web_form": "web-forms"}


def _coretelecoms(home: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    completed = subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--home", str(home), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    _coretelecoms(home, "demo", "--days", "3", "--scale", "0.5")
    manifest = json.loads((home / "sources" / "bucket" / "_truth" / "manifest.json").read_text())
    return make_settings(home), manifest


def test_complaints_match_the_truth_manifest(demo):
    settings, manifest = demo
    rows = query(
        settings,
        """
        select
            channel,
            count(*) as complaints,
            count(*) filter (where not has_known_customer) as orphan_customers,
            count(*) filter (where not has_known_agent) as orphan_agents,
            count(*) filter (where resolved_at < requested_at) as end_before_start,
            count(*) filter (where resolved_at < requested_at and resolution_minutes is not null) as negative_minutes
        from marts.fct_complaints
        group by channel
        """,
    )
    by_channel = {r["channel"]: r for r in rows}
    assert set(by_channel) == set(CHANNELS)
    for channel, entity in CHANNELS.items():
        truth = manifest["entities"][entity]["totals"]
        got = by_channel[channel]
        assert got["complaints"] == truth["distinct_ids"], channel
        assert got["orphan_customers"] == truth["orphan_customer_ids"], channel
        assert got["orphan_agents"] == truth["orphan_agent_ids"], channel
        assert got["end_before_start"] == truth["mess"]["end_before_start"], channel
        assert got["negative_minutes"] == 0


def test_dimensions_match_the_truth_manifest(demo):
    settings, manifest = demo
    [customers] = query(settings, "select count(*) as n from marts.dim_customers where not is_unknown_member")
    [agents] = query(settings, "select count(*) as n from marts.dim_agents where not is_unknown_member")
    assert customers["n"] == manifest["entities"]["customers"]["distinct_ids"]
    assert agents["n"] == manifest["entities"]["agents"]["distinct_ids"]


def test_transform_again_and_rerunning_an_old_date_leave_the_marts_identical(demo):
    settings, manifest = demo
    before = snapshot(settings)
    _coretelecoms(settings.home, "transform")
    assert snapshot(settings) == before
    _coretelecoms(settings.home, "run", "--date", manifest["start"])
    assert snapshot(settings) == before
