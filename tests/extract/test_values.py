"""Values as real sources write them: integers as floats, fractional seconds, absurd dates (issues 10.1, 11.7)."""

from __future__ import annotations

import datetime as dt
import json

from extract_helpers import CALL_HEADER, read_partition, write_source

from coretelecoms.extract.sources import extract

CALLS = "call logs/call_logs_day_2025-11-20.csv"


def _call(
    i: int, agent: str = "1001", start: str = "2025-11-19 10:00:00", end: str = "2025-11-19 10:05:00"
) -> str:
    return f"{i},C{i},u{i},Payments,{agent},{start},{end},Resolved,2025-11-20"


def test_integers_written_as_floats_read_as_the_integer(settings, ctx):
    rows = [_call(0, "1035.0"), _call(1, " 1036.00 "), _call(2, "1035.5"), _call(3, "1e3"), _call(4, "")]
    write_source(settings, CALLS, "\n".join([CALL_HEADER, *rows]) + "\n")
    summary = extract("call-logs", settings, ctx)
    assert [r["agent_id"] for r in read_partition(settings, "raw", "call-logs").to_pylist()] == [
        1035,
        1036,
        None,
    ]
    reasons = [q["reason"] for q in read_partition(settings, "quarantine", "call-logs").to_pylist()]
    assert reasons == ["agent_id '1035.5' is not an integer", "agent_id '1e3' is not an integer"]
    assert summary.quarantine_reasons == {"agent_id is not an integer": 2}


def test_float_agent_ids_in_column_oriented_json(settings, ctx):
    columns = {
        "complaint_id": {"0": "S0", "1": "S1", "2": "S2"},
        "customeR iD": {"0": "u0", "1": "u1", "2": "u2"},
        "COMPLAINT_catego ry": {"0": "Payments", "1": "Payments", "2": "Payments"},
        "agent ID": {"0": 1035.0, "1": None, "2": 1035.5},  # pandas: a NaN makes the column float
        "resolutionstatus": {"0": "Backlog", "1": "Backlog", "2": "Backlog"},
        "request_date": {"0": "2025-11-19 10:00:00", "1": "2025-11-19 10:00:00", "2": "2025-11-19 10:00:00"},
        "resolution_date": {"0": "", "1": "", "2": ""},
        "media_channel": {"0": "LinkedIn", "1": "Twitter", "2": "Facebook"},
        "MediaComplaintGenerationDate": {"0": "2025-11-20", "1": "2025-11-20", "2": "2025-11-20"},
    }
    write_source(settings, "social_medias/media_complaint_day_2025-11-20.json", json.dumps(columns))
    summary = extract("social-media", settings, ctx)
    assert [r["agent_id"] for r in read_partition(settings, "raw", "social-media").to_pylist()] == [
        1035,
        None,
    ]
    assert summary.quarantine_reasons == {"agent_id is not an integer": 1}


def test_fractional_seconds_are_kept_to_the_microsecond(settings, ctx):
    rows = [_call(0, start="2025-11-19 10:00:00.25"), _call(1, start="2025-11-19T10:00:00.123456"),
            _call(2, start="2025-11-19 10:00:00.1234567")]  # fmt: skip
    write_source(settings, CALLS, "\n".join([CALL_HEADER, *rows]) + "\n")
    extract("call-logs", settings, ctx)
    starts = [r["call_start_time"] for r in read_partition(settings, "raw", "call-logs").to_pylist()]
    assert starts == [
        dt.datetime(2025, 11, 19, 10, 0, 0, 250000),
        dt.datetime(2025, 11, 19, 10, 0, 0, 123456),
    ]
    reasons = [q["reason"] for q in read_partition(settings, "quarantine", "call-logs").to_pylist()]
    assert reasons == ["call_start_time '2025-11-19 10:00:00.1234567' is not a timestamp YYYY-MM-DD HH:MM:SS"]


def test_absurd_dates_are_quarantined_and_the_rest_of_the_day_flows(settings, ctx):
    rows = [
        _call(0),
        _call(1, start="2999-12-31 00:00:00", end="2999-12-31 00:05:00"),
        _call(2, start="1900-01-01 00:00:00"),
        _call(3, start="2025-11-27 23:59:59"),  # the last plausible second: the ingest date + 7 days
        _call(4, end="2025-11-28 00:00:00"),
        _call(5, start="2000-01-01 00:00:00"),
    ]
    write_source(settings, CALLS, "\n".join([CALL_HEADER, *rows]) + "\n")
    summary = extract("call-logs", settings, ctx)
    assert [r["call_id"] for r in read_partition(settings, "raw", "call-logs").to_pylist()] == [
        "C0",
        "C3",
        "C5",
    ]
    window = "outside the plausible window 2000-01-01 .. 2025-11-27"
    quarantine = {
        q["location"]: q["reason"] for q in read_partition(settings, "quarantine", "call-logs").to_pylist()
    }
    assert quarantine == {
        "line 3": f"call_start_time '2999-12-31 00:00:00' is {window}; call_end_time '2999-12-31 00:05:00' is {window}",
        "line 4": f"call_start_time '1900-01-01 00:00:00' is {window}",
        "line 6": f"call_end_time '2025-11-28 00:00:00' is {window}",
    }
    assert summary.rows_read == summary.rows_written + summary.rows_quarantined == 6


def test_births_may_be_old_but_never_after_the_delivery(settings, ctx):
    header = "customer_id,name,Gender,DATE of biRTH,signup_date,email,address"
    rows = ["c1,A,F,1930-05-06,2015-01-01,a@b.com,x", "c2,B,M,1899-12-31,2015-01-01,b@b.com,x",
            "c3,C,F,2025-11-21,2015-01-01,c@b.com,x"]  # fmt: skip
    write_source(settings, "customers/customers_dataset.csv", "\n".join([header, *rows]) + "\n")
    summary = extract("customers", settings, ctx)
    assert [r["customer_id"] for r in read_partition(settings, "raw", "customers").to_pylist()] == ["c1"]
    assert summary.quarantine_reasons == {
        "date_of_birth is outside the plausible window 1900-01-01 .. 2025-11-20": 2
    }
