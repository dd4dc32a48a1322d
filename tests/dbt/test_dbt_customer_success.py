"""The Customer-Success marts (issue 14): repeat contacts, backlog, customer health and data quality."""

from __future__ import annotations

import shutil

import pytest
from dbt_raw import C2, C5, DAY3, calls, delivery, load_day
from dbt_warehouse import complaints, make_settings, query

from coretelecoms.common.entities import CALL_LOGS
from coretelecoms.transform import dbt_build


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
