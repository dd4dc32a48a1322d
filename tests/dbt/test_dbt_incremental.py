"""fct_complaints is incremental: re-runs change nothing, and re-deliveries and re-loaded old days land right."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from dbt_raw import (
    C1,
    DAY1,
    DAY3,
    EXPECTED_COMPLAINTS,
    ORPHAN_CUSTOMER,
    agents_rows,
    calls,
    calls_day1,
    customers_day1,
    customers_day2,
    delivery,
    load_day,
    load_time,
    social_day1,
)
from dbt_warehouse import complaints, make_settings, query, snapshot

from coretelecoms.common.entities import AGENTS, CALL_LOGS, CUSTOMERS, SOCIAL_MEDIA
from coretelecoms.transform import dbt_build


@pytest.fixture(scope="module")
def rebuilt(built, tmp_path_factory):
    """A copy of the session warehouse, built a second time with nothing new in RAW."""
    settings = make_settings(tmp_path_factory.mktemp("rebuilt"))
    shutil.copy(built.settings.duckdb_path, settings.duckdb_path)
    before = snapshot(settings, lineage=True)
    result = dbt_build(settings, progress=False)
    return settings, before, result


def test_running_twice_leaves_the_marts_identical(rebuilt):
    settings, before, result = rebuilt
    assert result.success
    assert snapshot(settings, lineage=True) == before  # nothing new: no row rewritten


@pytest.fixture(scope="module")
def reran_old_day(rebuilt):
    """DAY1 extracted and loaded again (same content, a new `_loaded_at`), then transformed again."""
    settings, _, _ = rebuilt
    before = snapshot(settings)
    now = load_time()
    load_day(settings.duckdb_path, "call_logs", delivery(CALL_LOGS, calls_day1(), day=DAY1, at=now))
    load_day(settings.duckdb_path, "customers", delivery(CUSTOMERS, customers_day1(), day=DAY1, at=now))
    return settings, before, dbt_build(settings, progress=False)


def test_rerunning_an_old_date_leaves_the_marts_identical(reran_old_day):
    settings, before, result = reran_old_day
    assert result.success
    # CL3 keeps its DAY2 status although DAY1 (In-Progress) is now its most recently loaded version.
    assert snapshot(settings) == before


@pytest.fixture(scope="module")
def late(reran_old_day, tmp_path_factory):
    """DAY3 arrives late with a re-delivered call and a customer we did not know; DAY1 is loaded again.

    Returns the warehouse built incrementally and a copy of the same RAW built with --full-refresh.
    """
    settings, _, _ = reran_old_day
    now = load_time()  # DAY3 is loaded after DAY1's re-load, and stamped so
    # CL1, resolved on DAY1, is re-delivered on DAY3 as blocked: the later delivery wins.
    cl1 = calls(("CL1", C1, 1001, "Payments", "Blocked", "2025-11-20 10:00:00", "2025-11-20 10:30:00", DAY3))
    load_day(settings.duckdb_path, "call_logs", delivery(CALL_LOGS, cl1, day=DAY3, at=now))
    # The orphan customer of CL2 appears in DAY3's customer snapshot.
    orphan = {**customers_day2()[0], "customer_id": ORPHAN_CUSTOMER, "email": "late@gmail.com"}
    load_day(settings.duckdb_path, "customers", delivery(CUSTOMERS, [*customers_day2(), orphan], day=DAY3, at=now))
    load_day(settings.duckdb_path, "agents", delivery(AGENTS, agents_rows(), day=DAY3, at=now))
    # Re-running an old date: DAY1's social-media complaints are loaded again (new _loaded_at). SM2's
    # DAY2 status must survive, although DAY1 is now the most recently *loaded* version of it. (Not
    # the calls: CL2 would then be rebuilt anyway, hiding whether its newly known customer is.)
    load_day(
        settings.duckdb_path,
        "social_media_complaints",
        delivery(SOCIAL_MEDIA, social_day1(), day=DAY1, at=now),
    )

    incremental = dbt_build(settings, progress=False)
    refreshed = make_settings(tmp_path_factory.mktemp("refreshed"))
    shutil.copy(settings.duckdb_path, refreshed.duckdb_path)
    full = dbt_build(refreshed, full_refresh=True, progress=False)
    return settings, incremental, refreshed, full


def test_late_redelivery_wins(late):
    settings, result, _, _ = late
    assert result.success
    cl1 = complaints(settings)[("call_center", "CL1")]
    assert (cl1["resolution_status"], cl1["is_resolved"]) == ("Blocked", False)


def test_reloading_an_old_day_keeps_later_versions(late):
    settings, _, _, _ = late
    sm2 = complaints(settings)[("social_media", "SM2")]
    assert sm2["resolution_status"] == "Resolved"  # DAY2's version, not DAY1's re-loaded "blocked"
    assert set(complaints(settings)) == set(EXPECTED_COMPLAINTS)  # still one row per complaint


def test_a_customer_that_becomes_known_is_rejoined(late):
    settings, _, _, _ = late
    cl2 = complaints(settings)[("call_center", "CL2")]
    assert (cl2["customer_id"], cl2["has_known_customer"]) == (ORPHAN_CUSTOMER, True)
    assert cl2["has_known_agent"] is False  # the agent is still unknown


def test_incremental_equals_full_refresh(late):
    settings, _, refreshed, full = late
    assert full.success
    assert snapshot(settings) == snapshot(refreshed)


def test_a_complaint_moved_to_another_agent_leaves_no_stale_day(built, tmp_path):
    """CL1 (agent 1001's only complaint on 2025-11-20) re-delivered as agent 1002's: 1001's day goes."""
    settings = make_settings(tmp_path / "incremental")
    settings.duckdb_path.parent.mkdir(parents=True)
    shutil.copy(built.settings.duckdb_path, settings.duckdb_path)
    day_of = "select agent_id, complaints_received from marts.agent_daily_performance where complaint_date = ?"
    before = {r["agent_id"]: r["complaints_received"] for r in query(settings, day_of, [DAY1])}
    assert before[1001] == 1
    moved = calls(("CL1", C1, 1002, "Payments", "Resolved", "2025-11-20 10:00:00", "2025-11-20 10:30:00", DAY3))
    load_day(settings.duckdb_path, "call_logs", delivery(CALL_LOGS, moved, day=DAY3, at=load_time()))
    assert dbt_build(settings, progress=False).success
    after = {r["agent_id"]: r["complaints_received"] for r in query(settings, day_of, [DAY1])}
    assert 1001 not in after and after[1002] == before[1002] + 1
    refreshed = make_settings(tmp_path / "refreshed")
    refreshed.duckdb_path.parent.mkdir(parents=True)
    shutil.copy(settings.duckdb_path, refreshed.duckdb_path)
    assert dbt_build(refreshed, full_refresh=True, progress=False).success
    assert snapshot(settings) == snapshot(refreshed)


@pytest.mark.slow
def test_days_built_one_at_a_time_equal_a_full_refresh(tmp_path):
    """Four simulated days, each run on its own (every model incremental after the first), give the marts
    a full refresh of the same RAW gives: re-deliveries, repeat contacts across days, orphans and all."""
    home = tmp_path / "home"
    days = [date(2025, 11, 20) + timedelta(days=n) for n in range(4)]
    _coretelecoms(home, "sources", "generate", "--start", days[0].isoformat(), "--days", str(len(days)),
                  "--scale", "0.4")  # fmt: skip
    for day in days:
        _coretelecoms(home, "run", "--date", day.isoformat())
    incremental = make_settings(home)
    refreshed = make_settings(tmp_path / "refreshed")
    refreshed.home.mkdir()
    shutil.copy(incremental.duckdb_path, refreshed.duckdb_path)
    assert dbt_build(refreshed, full_refresh=True, progress=False).success
    built, rebuilt = snapshot(incremental), snapshot(refreshed)
    assert all(built[table] for table in ("fct_complaints", "obt_complaints", "agent_daily_performance"))
    assert query(incremental, "select count(*) as n from marts.fct_complaints where is_repeat_contact")[0]["n"] > 0
    assert built == rebuilt


def _coretelecoms(home: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    completed = subprocess.run([sys.executable, "-m", "coretelecoms", "--home", str(home), *args],
                               env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
