"""The Customer-Success marts (issue 14): repeat contacts, backlog, customer health and data quality."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_raw import (
    C1,
    C2,
    C3,
    C4,
    C5,
    DAY1,
    DAY2,
    DAY3,
    base_raw,
    calls,
    delivery,
    forms,
    load_day,
    write_raw,
)
from dbt_warehouse import complaints, make_settings, manifest, query, snapshot

from coretelecoms.common.entities import CALL_LOGS, WEB_FORMS
from coretelecoms.transform import dbt_build

CS_MARTS = ("backlog_daily", "customer_health_weekly", "data_quality_daily")

# raw.extract_manifests as the BRIEF's contract has the loader create it (until the loader lands).
MANIFEST_COLUMNS = (
    "entity varchar, ingest_date date, run_id varchar, source varchar, rows_read bigint, rows_written bigint, "
    "rows_quarantined bigint, quarantine_reasons varchar, top_quarantine_reason varchar, drift_columns varchar, "
    "fingerprint varchar, unchanged_since date, published_at timestamp"
)


def write_manifests(db_path: Path, rows: list[dict[str, Any]]) -> None:
    """Replace the manifests of the rows' days, as the loader does in the day's transaction."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute(f"create table if not exists raw.extract_manifests ({MANIFEST_COLUMNS})")
        for day in {r["ingest_date"] for r in rows}:
            con.execute("delete from raw.extract_manifests where ingest_date = ?", [day])
        names = [c.split()[0] for c in MANIFEST_COLUMNS.split(", ")]
        con.executemany(
            f"insert into raw.extract_manifests values ({', '.join('?' * len(names))})",
            [[r[n] for n in names] for r in rows],
        )
    finally:
        con.close()


def test_repeat_contact_flags_on_the_base_data(built):
    rows = complaints(built.settings)
    # CL1 (call, Payments, 2025-11-20 10:00) follows SM2 (social, Payments, 2025-11-19 23:00): a
    # repeat across channels; SM2 is resolved but CL1 follows within 7 days, so no first-contact fix.
    assert rows[("call_center", "CL1")]["is_repeat_contact"] is True
    assert rows[("social_media", "SM2")]["is_repeat_contact"] is False
    assert rows[("social_media", "SM2")]["is_first_contact_resolution"] is False
    assert rows[("call_center", "CL1")]["is_first_contact_resolution"] is True
    # C2: CL3 (Router Delivery) then WF3 (Technician Support): another category is no repeat.
    assert rows[("web_form", "WF3")]["is_repeat_contact"] is False
    assert rows[("call_center", "CL3")]["is_first_contact_resolution"] is True
    # The orphan can be nobody's repeat; an unresolved complaint is never a first-contact resolution.
    assert rows[("call_center", "CL2")]["is_repeat_contact"] is False
    assert rows[("web_form", "WF2")]["is_first_contact_resolution"] is False
    obt = {r["source_complaint_id"]: r for r in query(built.settings, "select * from marts.obt_complaints")}
    assert obt["CL1"]["is_repeat_contact"] is True and obt["SM2"]["is_first_contact_resolution"] is False


@pytest.fixture(scope="module")
def later_repeat(built, tmp_path_factory):
    """A copy of the built warehouse; DAY3 brings C2's second Router Delivery complaint, 6 days after CL3."""
    settings = make_settings(tmp_path_factory.mktemp("later_repeat"))
    shutil.copy(built.settings.duckdb_path, settings.duckdb_path)
    day3 = calls(
        ("CL9", C2, 1002, "Router Delivery", "Backlog", "2025-11-26 11:00:00", "2025-11-26 11:10:00", DAY3),
        ("CL8", C5, 1005, "Payments", "Backlog", "2025-11-22 09:00:00", "2025-11-22 09:05:00", DAY3),
    )
    load_day(settings.duckdb_path, "call_logs", delivery(CALL_LOGS, day3, day=DAY3))
    # WF2, in the backlog since DAY1 and not delivered on DAY2, comes back resolved on DAY3.
    wf2 = forms(
        ("WF2", C5, 1004, "Router Delivery", "Resolved", "2025-11-20 15:00:00", "2025-11-22 08:00:00", DAY3)
    )
    load_day(settings.duckdb_path, "web_form_requests", delivery(WEB_FORMS, wf2, day=DAY3))
    write_manifests(settings.duckdb_path, [
        manifest("call-logs", DAY1, 6, {"unparseable call_start_time": 2, "empty call ID": 1}),
        manifest("customers", DAY1, 6),
        manifest("customers", DAY2, 7, unchanged_since=None),
        manifest("web-forms", DAY2, 2, drift=["channel_hint"]),
        manifest("call-logs", DAY3, 2),
    ])  # fmt: skip
    return settings, dbt_build(settings, progress=False)


def test_incremental_fct_rewrites_an_earlier_first_contact_resolution(later_repeat):
    """A later day's complaint changes an earlier, unchanged complaint's row in the incremental fct."""
    settings, result = later_repeat
    assert result.success
    rows = complaints(settings)
    assert rows[("call_center", "CL9")]["is_repeat_contact"] is True
    # CL3 itself was not re-delivered, yet it is no longer a first-contact resolution.
    assert rows[("call_center", "CL3")]["is_first_contact_resolution"] is False
    assert rows[("call_center", "CL8")]["is_repeat_contact"] is False  # C5 never had Payments before
    assert rows[("call_center", "CL1")]["is_first_contact_resolution"] is True  # untouched by DAY3


def _rows(settings, table: str, where: str = "true") -> list[dict[str, Any]]:
    return query(settings, f"select * from marts.{table} where {where}")


def test_backlog_daily_counts_what_was_open_each_delivery_day(built):
    rows = {
        (r["snapshot_date"], r["channel"], r["complaint_category"]): r
        for r in _rows(built.settings, "backlog_daily")
    }
    # One row per delivery day, channel and category (Unknown included), zeros too.
    assert len(rows) == 2 * 3 * 5
    # CL3 (Router Delivery) was In-Progress on DAY1 and re-delivered Resolved on DAY2: a transition.
    assert rows[(DAY1, "call_center", "Router Delivery")]["open_complaints"] == 1
    assert rows[(DAY2, "call_center", "Router Delivery")]["open_complaints"] == 0
    assert rows[(DAY2, "call_center", "Router Delivery")]["resolved_complaints"] == 1
    # CL2, requested on 2025-08-01, is far past the 2-day Network Failure SLA and stays open on DAY2
    # although DAY2's delivery did not repeat it (the latest status delivered on or before the day).
    cl2 = rows[(DAY2, "call_center", "Network Failure")]
    assert (cl2["open_complaints"], cl2["open_over_sla"], cl2["open_age_over_30_days"]) == (1, 1, 1)
    assert cl2["sla_days"] == 2
    # SM2 was Blocked on DAY1 (requested the evening before: age 1) and Resolved on DAY2.
    sm = rows[(DAY1, "social_media", "Payments")]
    assert (sm["open_complaints"], sm["open_age_0_1_days"], sm["open_over_sla"]) == (1, 1, 0)
    assert rows[(DAY2, "social_media", "Payments")]["open_complaints"] == 0
    history = query(
        built.settings,
        "select status_date, resolution_status, is_transition from intermediate.int_complaint_status_history "
        "where source_complaint_id = 'CL3' order by status_date",
    )
    assert [(h["resolution_status"], h["is_transition"]) for h in history] == [
        ("In-Progress", True),
        ("Resolved", True),
    ]


def test_customer_health_weekly_one_row_per_customer_and_week(built):
    rows = {r["customer_id"]: r for r in _rows(built.settings, "customer_health_weekly")}
    # Known customers with complaints (C6 never complained; the orphan is not a customer); all in the
    # ISO week of Monday 2025-11-17, the week of the latest delivery (DAY2, a Friday).
    assert set(rows) == {C1, C2, C3, C4, C5}
    assert {(r["week_start"], r["as_of_date"]) for r in rows.values()} == {(date(2025, 11, 17), DAY2)}
    c1 = rows[C1]  # SM2 (Wed 19th) and CL1 (a repeat contact), both resolved by DAY2
    assert (c1["complaints"], c1["repeat_contacts"], c1["channels_used"], c1["open_complaints"]) == (
        2,
        1,
        2,
        0,
    )
    assert c1["days_since_last_complaint"] == 1
    c5 = rows[C5]  # WF2 in the backlog, CL5 blocked: two open
    assert (c5["open_complaints"], c5["churn_risk_score"], c5["churn_risk"]) == (2, 60, "high")


def test_data_quality_daily_without_manifests_flags_the_gap(built):
    rows = _rows(built.settings, "data_quality_daily")
    assert {(r["entity"], r["ingest_date"]) for r in rows} == {
        (e, d) for e in ("call-logs", "social-media", "web-forms") for d in (DAY1, DAY2)
    }
    assert not any(r["has_manifest"] for r in rows)
    [calls_day1] = [r for r in rows if (r["entity"], r["ingest_date"]) == ("call-logs", DAY1)]
    # CL1..CL4 delivered on DAY1: CL2 names an unknown customer and agent, CL4 an unknown category.
    assert calls_day1["complaints_delivered"] == 4
    assert float(calls_day1["unknown_customer_share"]) == 0.25
    assert float(calls_day1["unknown_agent_share"]) == 0.25
    assert float(calls_day1["unknown_category_share"]) == 0.25


def test_data_quality_daily_reads_the_manifests(later_repeat):
    settings, _ = later_repeat
    rows = {(r["entity"], r["ingest_date"]): r for r in _rows(settings, "data_quality_daily")}
    calls1 = rows[("call-logs", DAY1)]
    assert calls1["has_manifest"] is True
    assert (calls1["rows_read"], calls1["rows_written"], calls1["rows_quarantined"]) == (6, 3, 3)
    assert float(calls1["quarantine_share"]) == 0.5
    assert calls1["top_quarantine_reason"] == "unparseable call_start_time"
    assert rows[("web-forms", DAY2)]["has_drift"] is True
    assert json.loads(rows[("web-forms", DAY2)]["drift_columns"]) == ["channel_hint"]
    assert rows[("customers", DAY1)]["complaints_delivered"] is None  # not a complaint entity
    assert rows[("social-media", DAY1)]["has_manifest"] is False  # data without a manifest
    assert rows[("call-logs", DAY3)]["complaints_delivered"] == 2


def test_incremental_status_history_closes_the_earlier_delivery(later_repeat):
    """WF2's DAY1 row, stored before DAY3 existed, now ends at DAY3's re-delivery, a transition to Resolved."""
    settings, _ = later_repeat
    rows = query(
        settings,
        "select status_date, resolution_status, next_status_date, is_transition "
        "from intermediate.int_complaint_status_history where source_complaint_id = 'WF2' order by status_date",
    )
    assert [tuple(r.values()) for r in rows] == [
        (DAY1, "Backlog", DAY3, True),
        (DAY3, "Resolved", None, True),
    ]
    backlog = {
        r["snapshot_date"]: r["open_complaints"]
        for r in _rows(
            settings, "backlog_daily", "channel = 'web_form' and complaint_category = 'Router Delivery'"
        )
    }
    assert backlog == {DAY1: 1, DAY2: 1, DAY3: 0}


def test_incremental_customer_success_marts_equal_a_full_rebuild(later_repeat, tmp_path):
    """The incremental build after DAY3 gives exactly what a full rebuild of the same RAW gives."""
    settings, _ = later_repeat
    assert {r["snapshot_date"] for r in _rows(settings, "backlog_daily")} == {DAY1, DAY2, DAY3}
    incremental = snapshot(settings, CS_MARTS)
    history_sql = "select * from intermediate.int_complaint_status_history"
    history = sorted(map(repr, query(settings, history_sql)))
    fresh = make_settings(tmp_path)
    shutil.copy(settings.duckdb_path, fresh.duckdb_path)
    result = dbt_build(fresh, full_refresh=True, select="+backlog_daily +customer_health_weekly +data_quality_daily",
                       progress=False)  # fmt: skip
    assert result.success
    assert snapshot(fresh, CS_MARTS) == incremental
    assert sorted(map(repr, query(fresh, history_sql))) == history


def test_marts_built_before_any_complaint_fill_in_once_complaints_arrive(tmp_path):
    """A first build on an empty RAW leaves empty incremental tables; the next build must not stay empty."""
    settings = make_settings(tmp_path)
    raw = base_raw()
    write_raw(settings.duckdb_path, {name: table.slice(0, 0) for name, table in raw.items()})
    assert dbt_build(settings, progress=False).success
    assert query(settings, "select count(*) as n from intermediate.int_complaint_status_history") == [
        {"n": 0}
    ]

    write_raw(settings.duckdb_path, raw)
    assert dbt_build(settings, progress=False).success

    [history] = query(settings, "select count(*) as n from intermediate.int_complaint_status_history")
    assert history["n"] == 14  # 11 complaints, of which CL3, SM2 and WF1 were delivered on both days
    assert {r["snapshot_date"] for r in _rows(settings, "backlog_daily")} == {DAY1, DAY2}
    assert _rows(settings, "customer_health_weekly")


def test_customer_health_weekly_carries_the_week_before_into_a_new_week(later_repeat, tmp_path):
    """A delivery of the next ISO week rebuilds only that week, from the stored week before it (issue
    10: the cost of the 30-day window, not of the history); its figures equal a full rebuild's: an
    open complaint of the week before resolved, another still open, a new complaint counted."""
    settings, _ = later_repeat
    monday = date(2025, 11, 24)
    day4 = calls(
        # CL5 (Blocked since DAY2) resolved; a new call of C1 on Monday.
        ("CL5", C5, 1005, "Technician Support", "Resolved", "2025-11-21 09:00:00", "2025-11-24 08:00:00", monday),
        ("CL10", C1, 1001, "Payments", "Backlog", "2025-11-24 10:00:00", "2025-11-24 10:05:00", monday),
    )  # fmt: skip
    load_day(settings.duckdb_path, "call_logs", delivery(CALL_LOGS, day4, day=monday))
    assert dbt_build(settings, progress=False).success
    week = "week_start = date '2025-11-24'"
    columns = "customer_id, as_of_date, complaints, open_complaints, complaints_to_date, complaints_last_30_days, " \
              "repeat_contacts_last_30_days, last_complaint_date, churn_risk_score"  # fmt: skip
    sql = f"select {columns} from marts.customer_health_weekly where {week} order by customer_id"
    incremental = query(settings, sql)
    before = query(settings, "select customer_id, open_complaints, complaints_to_date from "
                             "marts.customer_health_weekly where week_start = date '2025-11-17' order by 1")  # fmt: skip
    assert incremental and before
    fresh = make_settings(tmp_path)
    shutil.copy(settings.duckdb_path, fresh.duckdb_path)
    assert dbt_build(fresh, full_refresh=True, select="+customer_health_weekly", progress=False).success
    assert query(fresh, sql) == incremental
    by_customer = {r["customer_id"]: r for r in incremental}
    opened_before = {r["customer_id"]: r["open_complaints"] for r in before}
    # C5's Blocked call was resolved on Monday: one open complaint fewer than the Sunday before.
    assert by_customer[C5]["open_complaints"] == opened_before[C5] - 1
