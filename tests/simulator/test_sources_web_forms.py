"""The web-form tables as SOURCES.md (revised) describes them: lower case by default, mixed case or both on request, any column type."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime

import psycopg2
import pytest
from sources_runs import run_sources

from coretelecoms.simulator import GenerateConfig, MessRates, parse_web_form_types

SCHEMA = "customer_complaints"
LOWER = "web_form_request_{:%Y_%m_%d}"  # as PostgreSQL folds the unquoted Web_form_request_…
MIXED = "Web_form_request_{:%Y_%m_%d}"  # a quoted mixed-case name


def _tables(dsn: str, day: date) -> set[str]:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name ILIKE %s",
            (SCHEMA, f"web_form_request_{day:%Y_%m_%d}"),
        )
        found = {name for (name,) in cursor.fetchall()}
    connection.close()
    return found


def _rows(dsn: str, table: str) -> list[tuple]:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM {SCHEMA}."{table}" ORDER BY "Column1"::bigint')
        rows = cursor.fetchall()
    connection.close()
    return rows


def _types(dsn: str, table: str) -> dict[str, str]:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (SCHEMA, table),
        )
        found = dict(cursor.fetchall())
    connection.close()
    return found


def test_lower_case_by_default_mixed_on_request_and_never_both_by_accident(tmp_path, sources_pg):
    day = date(2026, 4, 1)
    mixed = run_sources(tmp_path / "mixed", sources_pg, day, 1, scale=0.2, web_form_table_case="mixed")
    assert _tables(sources_pg, day) == {MIXED.format(day)}
    assert mixed.days("web-forms")[day.isoformat()]["location"] == f"{SCHEMA}.{MIXED.format(day)}"
    mixed_rows = _rows(sources_pg, MIXED.format(day))
    # The default run replaces the mixed-case table with the lower-case one: one table for the day.
    lower = run_sources(tmp_path / "lower", sources_pg, day, 1, scale=0.2)
    assert _tables(sources_pg, day) == {LOWER.format(day)}
    assert lower.days("web-forms")[day.isoformat()]["location"] == f"{SCHEMA}.{LOWER.format(day)}"
    assert _rows(sources_pg, LOWER.format(day)) == mixed_rows  # the spelling is the only difference
    assert lower.manifest["web_forms"]["table_case"] == "lower"


def test_a_day_in_both_spellings_is_recorded_as_failing(tmp_path, sources_pg):
    days = [date(2026, 4, 10), date(2026, 4, 11)]
    run = run_sources(tmp_path, sources_pg, days[0], 2, scale=0.2, two_table_days={days[1]})
    assert _tables(sources_pg, days[0]) == {LOWER.format(days[0])}
    assert _tables(sources_pg, days[1]) == {LOWER.format(days[1]), MIXED.format(days[1])}
    rows = _rows(sources_pg, LOWER.format(days[1]))
    assert rows and _rows(sources_pg, MIXED.format(days[1])) == rows
    truth = run.days("web-forms")[days[1].isoformat()]
    assert (truth["status"], truth["expected_extract"], truth["rows"]) == ("two-tables", "fails", 0)
    assert truth["tables"] == [f"{SCHEMA}.{LOWER.format(days[1])}", f"{SCHEMA}.{MIXED.format(days[1])}"]
    assert run.manifest["entities"]["web-forms"]["totals"]["failed_days"] == [days[1].isoformat()]
    assert run.manifest["web_forms"]["two_table_days"] == [days[1].isoformat()]
    # Regenerating without the option leaves one table again.
    run_sources(tmp_path / "again", sources_pg, days[0], 2, scale=0.2)
    assert _tables(sources_pg, days[1]) == {LOWER.format(days[1])}


def test_typed_columns_hold_the_same_values(tmp_path, sources_pg):
    day = date(2026, 4, 20)
    rates = MessRates(bad_agent_id=0.1, bad_timestamp=0.1)
    text_run = run_sources(tmp_path / "text", sources_pg, day, 1, scale=0.5, rates=rates)
    text_rows = _rows(sources_pg, LOWER.format(day))
    types = parse_web_form_types(
        ["Column1=bigint", "agent ID=integer", "request_date=timestamptz", "resolution_date=timestamp"]
    )
    typed_run = run_sources(
        tmp_path / "typed", sources_pg, day, 1, scale=0.5, rates=rates, web_form_types=types
    )
    table = LOWER.format(day)
    got = _types(sources_pg, table)
    assert (got["Column1"], got["agent ID"]) == ("bigint", "integer")
    assert got["request_date"] == "timestamp with time zone"
    assert got["resolution_date"] == "timestamp without time zone"
    assert got["request_id"] == got["webFormGenerationDate"] == "text"
    truth = typed_run.days("web-forms")[day.isoformat()]
    assert truth["column_types"]["agent ID"] == "integer"
    # A typed column cannot hold `A1023` or `2025-13-45`: those messes are off for it, the rest stay.
    assert truth["mess"]["bad_agent_id"] == truth["mess"]["bad_timestamp"] == 0
    text_mess = text_run.days("web-forms")[day.isoformat()]["mess"]
    assert text_mess["bad_agent_id"] > 0 and text_mess["bad_timestamp"] > 0
    typed_rows = _rows(sources_pg, table)
    assert len(typed_rows) == truth["rows"] > 50
    fractional = 0
    for row in typed_rows:
        index, agent, requested, resolved = row[0], row[4], row[6], row[7]
        assert isinstance(index, int) and isinstance(agent, int)
        assert requested.tzinfo is not None and requested.utcoffset().total_seconds() == 0
        assert resolved is None or resolved.tzinfo is None  # NULL while unresolved, not ''
        fractional += requested.microsecond != 0
    assert fractional > 0.9 * len(typed_rows)
    # Clean records carry the same values as in the all-text table, down to the second.
    by_id = {row[1]: row for row in text_rows if row[1].strip()}  # blank ids are many records
    compared = 0
    for row in typed_rows:
        text_row = by_id.get(row[1])
        if text_row is None or not text_row[4].isdigit():
            continue
        try:  # the text table's bad timestamps (`2025-02-30 08:15:00`) have no typed twin
            stamp = datetime.strptime(text_row[6], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            continue
        assert int(text_row[4]) == row[4]
        assert row[6].replace(microsecond=0) == stamp
        assert (text_row[7] == "") == (row[7] is None)
        compared += 1
    assert compared > 0.6 * len(typed_rows)  # all but the text run's 20 % bad values and the blank ids


@pytest.mark.parametrize(
    "item", ["request_id=integer", "agent ID=timestamp", "request_date", "Column1=float"]
)
def test_impossible_column_types_are_refused(item):
    with pytest.raises(ValueError, match=r"web-form column|COLUMN=TYPE"):
        parse_web_form_types([item])


def test_unknown_table_case_is_refused(tmp_path):
    with pytest.raises(ValueError, match="table case"):
        GenerateConfig(
            "file:///x", tmp_path / "a.csv", None, date(2026, 1, 1), 1, web_form_table_case="upper"
        )


def _cli(home, dsn: str, *options: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    return subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-level", "ERROR", "--home", str(home),
         "sources", "generate", "--start", "2026-04-25", "--days", "2", "--scale", "0.1", *options],
        env={**env, "CORETELECOMS_POSTGRES_DSN": dsn}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_cli_options(tmp_path, sources_pg):
    days = [date(2026, 4, 25), date(2026, 4, 26)]
    done = _cli(
        tmp_path, sources_pg, "--web-form-table-case", "mixed", "--two-web-form-tables", "2026-04-26",
        "--web-form-type", "agent ID=bigint", "--web-form-type", "request_date=timestamp",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _tables(sources_pg, days[0]) == {MIXED.format(days[0])}
    assert _tables(sources_pg, days[1]) == {MIXED.format(days[1]), LOWER.format(days[1])}
    got = _types(sources_pg, MIXED.format(days[0]))
    assert (got["agent ID"], got["request_date"]) == ("bigint", "timestamp without time zone")
    refused = _cli(tmp_path / "refused", sources_pg, "--web-form-type", "request_id=integer")
    assert refused.returncode == 2 and "request_id" in refused.stderr
