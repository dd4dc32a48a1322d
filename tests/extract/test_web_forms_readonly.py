"""Web forms through a read-only PostgreSQL role: SELECT on the day's table is all the extractor needs or takes.

Each test gets a database of its own on the session's real PostgreSQL, and roles that exist only for it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg2
import psycopg2.extensions
import pytest
from extract_helpers import read_partition
from pydantic import SecretStr

from coretelecoms.common.errors import PipelineError, SourceMissingError
from coretelecoms.extract.sources import extract

TABLE = 'customer_complaints."Web_form_request_2025_11_20"'
COLUMNS = (
    '"Column1"',
    "request_id",
    '"customeR iD"',
    '"COMPLAINT_catego ry"',
    '"agent ID"',
    "resolutionstatus",
    "request_date",
    "resolution_date",
    '"webFormGenerationDate"',
)
ROWS = [
    ("0", "WF0", "u0", "Payments", "1001", "Backlog", "2025-11-19 10:00:00", "", "2025-11-20"),
    (
        "1",
        "WF1",
        "u1",
        "Payments",
        "1002",
        "Resolved",
        "2025-11-19 10:00:00",
        "2025-11-19 12:00:00",
        "2025-11-20",
    ),
    ("2", "WF2", "u2", "Payments", "oops", "Backlog", "2025-11-19 10:00:00", "", "2025-11-20"),
]


@contextlib.contextmanager
def _admin(dsn: str) -> Iterator:
    """An autocommit cursor (CREATE DATABASE refuses a transaction block), closed afterwards."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


@pytest.fixture
def source_db(pg_dsn):
    """A fresh database holding the day's web-form table, and a factory for roles with given grants."""
    name = f"webforms_{uuid.uuid4().hex[:8]}"
    with _admin(pg_dsn) as cur:
        cur.execute(f"CREATE DATABASE {name}")
    parts = psycopg2.extensions.parse_dsn(pg_dsn)
    db_dsn = psycopg2.extensions.make_dsn(**{**parts, "dbname": name})
    with _admin(db_dsn) as cur:
        cur.execute("CREATE SCHEMA customer_complaints")
        cur.execute(f"CREATE TABLE {TABLE} ({', '.join(c + ' text' for c in COLUMNS)})")
        cur.executemany(f"INSERT INTO {TABLE} VALUES ({', '.join(['%s'] * len(COLUMNS))})", ROWS)
    roles: list[str] = []

    def role(*grants: str) -> str:
        """A LOGIN role with only these grants (and PUBLIC's); returns a DSN that logs in as it."""
        role_name = f"ro_{uuid.uuid4().hex[:8]}"
        roles.append(role_name)
        with _admin(db_dsn) as cur:
            cur.execute(f"CREATE ROLE {role_name} LOGIN")
            for grant in grants:
                cur.execute(grant.format(role=role_name))
        return psycopg2.extensions.make_dsn(**{**parts, "dbname": name, "user": role_name})

    yield db_dsn, role
    with _admin(pg_dsn) as cur:
        cur.execute(f"DROP DATABASE {name} WITH (FORCE)")
        for role_name in roles:
            cur.execute(f"DROP ROLE {role_name}")


READ_ONLY = (
    "GRANT USAGE ON SCHEMA customer_complaints TO {role}",
    f"GRANT SELECT ON {TABLE} TO {{role}}",
)


def test_read_only_role_extracts_taking_only_a_read_lock(settings, ctx, source_db):
    db_dsn, role = source_db
    settings.postgres_dsn = SecretStr(role(*READ_ONLY))
    seen: dict[str, object] = {}

    def while_reading(_rows: int) -> None:
        """Mid-extract, from another session: what does the extractor hold, and can writers still write?"""
        if seen:
            return
        with _admin(db_dsn) as cur:
            cur.execute(
                "SELECT l.mode, l.granted, a.backend_xid IS NULL "
                "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE a.application_name = 'coretelecoms-extract' AND l.locktype = 'relation' "
                "AND l.relation = %s::regclass",
                (TABLE,),
            )
            seen["locks"] = cur.fetchall()
            cur.execute("SET lock_timeout = '2s'")  # a blocked writer fails fast instead of hanging the test
            cur.execute(f"INSERT INTO {TABLE} (request_id) VALUES ('written-meanwhile')")
            seen["writer"] = cur.rowcount

    summary = extract("web-forms", settings, ctx, while_reading)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (3, 2, 1)
    assert [r["request_id"] for r in read_partition(settings, "raw", "web-forms").to_pylist()] == [
        "WF0",
        "WF1",
    ]
    # One ACCESS SHARE lock, no transaction id (nothing written), and a writer went through meanwhile.
    assert seen["locks"] == [("AccessShareLock", True, True)]
    assert seen["writer"] == 1


def test_read_only_role_cannot_change_the_source(source_db):
    """The grant really is read-only: the role the tests use can write nothing."""
    _, role = source_db
    with _admin(role(*READ_ONLY)) as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(f"DELETE FROM {TABLE}")


def test_absent_table_is_named_with_a_read_only_role(settings, ctx, source_db):
    _, role = source_db
    settings.postgres_dsn = SecretStr(role(*READ_ONLY))
    other_day = ctx.__class__(lake=ctx.lake, day=ctx.day.replace(day=21), run_id=ctx.run_id)
    with pytest.raises(SourceMissingError) as info:
        extract("web-forms", settings, other_day)
    assert (
        str(info.value)
        == "source table not found: customer_complaints.web_form_request_2025_11_21 (in any case)"
    )


def test_a_role_without_select_gets_one_clear_line(settings, ctx, source_db):
    _, role = source_db
    settings.postgres_dsn = SecretStr(role("GRANT USAGE ON SCHEMA customer_complaints TO {role}"))
    with pytest.raises(PipelineError) as info:
        extract("web-forms", settings, ctx)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(
        f"reading {TABLE} failed: permission denied for table Web_form_request_2025_11_20"
    )


def test_a_role_without_schema_usage_gets_one_clear_line(settings, ctx, source_db):
    _, role = source_db
    settings.postgres_dsn = SecretStr(role(f"GRANT SELECT ON {TABLE} TO {{role}}"))
    with pytest.raises(PipelineError) as info:
        extract("web-forms", settings, ctx)
    assert str(info.value) == f"reading {TABLE} failed: permission denied for schema customer_complaints"
