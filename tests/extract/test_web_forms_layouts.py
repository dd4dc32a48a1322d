"""Web-form tables as the real system has them (SOURCES.md, revised): any case, any column type."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg2
import pytest
from extract_helpers import DAY, read_partition

from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.sources import extract

LOWER = "customer_complaints.web_form_request_2025_11_20"
MIXED = 'customer_complaints."Web_form_request_2025_11_20"'
TEXT_COLUMNS = (
    '"Column1" text, request_id text, "customeR iD" text, "COMPLAINT_catego ry" text, "agent ID" text, '
    'resolutionstatus text, request_date text, resolution_date text, "webFormGenerationDate" text'
)
ROW = ("0", "WF0", "u0", "Payments", "1001", "Backlog", "2025-11-19 10:00:00", "", "2025-11-20")


@pytest.fixture
def pg(pg_dsn):
    conn = psycopg2.connect(pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE SCHEMA IF NOT EXISTS customer_complaints")
        for table in (LOWER, MIXED):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        yield cur
        for table in (LOWER, MIXED):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
    conn.close()


def _text_table(cur, table: str, rows=(ROW,)) -> None:
    cur.execute(f"CREATE TABLE {table} ({TEXT_COLUMNS})")
    for row in rows:
        cur.execute(f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(row))})", row)


def test_the_lower_case_table_postgres_folds_to_is_found(settings, ctx, pg):
    pg.execute(
        "CREATE TABLE customer_complaints.Web_form_request_2025_11_20 (" + TEXT_COLUMNS + ")"
    )  # unquoted
    pg.execute(f"INSERT INTO {LOWER} VALUES ({', '.join(['%s'] * len(ROW))})", ROW)
    summary = extract("web-forms", settings, ctx)
    assert summary.source == LOWER and summary.rows_written == 1


def test_a_quoted_mixed_case_table_is_found_too(settings, ctx, pg):
    _text_table(pg, MIXED)
    summary = extract("web-forms", settings, ctx)
    assert summary.source == MIXED and summary.rows_written == 1
    assert read_partition(settings, "raw", "web-forms").column("_source").to_pylist() == [MIXED]


def test_two_spellings_of_one_day_is_an_error_naming_both(settings, ctx, pg):
    _text_table(pg, LOWER)
    _text_table(pg, MIXED)
    with pytest.raises(PipelineError, match="two web-form tables for 2025-11-20") as info:
        extract("web-forms", settings, ctx)
    assert LOWER in str(info.value) and MIXED in str(info.value)
    assert not list(Path(ctx.lake.path).glob("raw/*/*/*"))  # nothing published


def test_columns_of_any_type_read_as_their_values(settings, ctx, pg):
    pg.execute(
        f'CREATE TABLE {LOWER} ("Column1" bigint, request_id text, "customeR iD" uuid, "COMPLAINT_catego ry" text, '
        '"agent ID" double precision, resolutionstatus varchar(20), request_date timestamp, '
        'resolution_date timestamptz, "webFormGenerationDate" date)'
    )
    rows = [
        (0, "WF0", "5d2f3a8c-1f0e-4c1e-9a55-0f1d2e3c4b5a", "Payments", 1035.0, "Resolved",
         "2025-11-19 10:00:00", "2025-11-19 12:00:00.123456+01", "2025-11-20"),
        (1, "WF1", "6d2f3a8c-1f0e-4c1e-9a55-0f1d2e3c4b5a", "Payments", None, "Backlog",
         "2025-11-19 10:00:00.5", None, "2025-11-20"),
        (2, "WF2", "7d2f3a8c-1f0e-4c1e-9a55-0f1d2e3c4b5a", "Payments", 1035.5, "Backlog",
         "2025-11-19 10:00:00", None, "2025-11-20"),
    ]  # fmt: skip
    for row in rows:
        pg.execute(f"INSERT INTO {LOWER} VALUES ({', '.join(['%s'] * len(row))})", row)
    summary = extract("web-forms", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (3, 2, 1)
    got = read_partition(settings, "raw", "web-forms").to_pylist()
    assert got[0]["agent_id"] == 1035  # a float column holding an integer is the integer
    assert got[0]["customer_id"] == "5d2f3a8c-1f0e-4c1e-9a55-0f1d2e3c4b5a"
    assert got[0]["resolution_date"] == dt.datetime(2025, 11, 19, 11, 0, 0, 123456)  # timestamptz in UTC
    assert got[0]["generation_date"] == DAY
    assert got[1]["request_date"] == dt.datetime(2025, 11, 19, 10, 0, 0, 500000)
    assert got[1]["agent_id"] is None and got[1]["resolution_date"] is None
    quarantine = read_partition(settings, "quarantine", "web-forms").to_pylist()
    assert [(q["location"], q["reason"]) for q in quarantine] == [
        ("row 3", "agent_id '1035.5' is not an integer")
    ]
