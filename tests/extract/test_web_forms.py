"""Web forms from a real PostgreSQL: the day's table by name, streamed with COPY, read-only."""

from __future__ import annotations

import psycopg2
import pytest
from extract_helpers import quarantined, read_partition

from coretelecoms.common.errors import PipelineError, SourceMissingError
from coretelecoms.extract.sources import extract

COLUMNS = '"Column1", request_id, "customeR iD", "COMPLAINT_catego ry", "agent ID", resolutionstatus, request_date, resolution_date, "webFormGenerationDate"'


@pytest.fixture
def web_form_table(pg_dsn):
    with psycopg2.connect(pg_dsn) as conn, conn.cursor() as cur:
        cur.execute("CREATE SCHEMA IF NOT EXISTS customer_complaints")
        cur.execute('DROP TABLE IF EXISTS customer_complaints."Web_form_request_2025_11_20"')
        cur.execute(
            f'CREATE TABLE customer_complaints."Web_form_request_2025_11_20" ({", ".join(c.strip() + " text" for c in COLUMNS.split(","))})'
        )
        rows = [  # Column1, request_id, customer, category, agent, status, requested, resolved, generated
            ("0", "WF0", "u0", "Payments", "1001", "Backlog", "2025-11-19 10:00:00", "", "2025-11-20"),
            ("1", "WF1", "u1", "payments ", "1002", "Resolved", "2025-11-19 10:00:00", "2025-11-19 12:00", "2025-11-20"),
            ("2", "WF2", "u2", "Payments", "12.5", "Backlog", "2025-11-19 10:00:00", "", "2025-11-20"),
            ("3", "WF3", "u3", "Payments", "1003", "Backlog", "N/A", "", "2025-11-20"),
            ("4", "WF4", "u4", "Payments", None, "Blocked", "2025-11-19 10:00:00", None, "2025-11-20"),
        ]  # fmt: skip
        placeholders = ", ".join(["%s"] * 9)
        for row in rows:
            cur.execute(
                f'INSERT INTO customer_complaints."Web_form_request_2025_11_20" VALUES ({placeholders})', row
            )
    yield
    with psycopg2.connect(pg_dsn) as conn, conn.cursor() as cur:
        cur.execute('DROP TABLE IF EXISTS customer_complaints."Web_form_request_2025_11_20"')


def test_table_streams_into_the_lake(settings, ctx, web_form_table):
    summary = extract("web-forms", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (5, 2, 3)
    assert summary.source == 'customer_complaints."Web_form_request_2025_11_20"'
    rows = read_partition(settings, "raw", "web-forms").to_pylist()
    assert [r["request_id"] for r in rows] == ["WF0", "WF4"]
    assert rows[0]["resolution_date"] is None and rows[1]["agent_id"] is None
    assert quarantined(settings, "web-forms") == {
        "row 2": "resolution_date '2025-11-19 12:00' is not a timestamp YYYY-MM-DD HH:MM:SS",
        "row 3": "agent_id '12.5' is not an integer",
        "row 4": "request_date 'N/A' is not a timestamp YYYY-MM-DD HH:MM:SS",
    }


def test_missing_table_is_named(settings, ctx):
    with pytest.raises(
        SourceMissingError, match=r"customer_complaints\.web_form_request_2025_11_20 \(in any case\)"
    ):
        extract("web-forms", settings, ctx)


def test_unreachable_database_is_one_clear_line(settings, ctx, monkeypatch):
    settings.postgres_dsn = None
    monkeypatch.setattr(type(settings), "dsn", property(lambda self: "postgresql://nobody@127.0.0.1:1/none"))
    with pytest.raises(PipelineError, match="cannot connect to the web-forms PostgreSQL") as info:
        extract("web-forms", settings, ctx)
    assert "\n" not in str(info.value)
