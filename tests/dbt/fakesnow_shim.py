"""A fakesnow server with two test-only shims for Snowflake SQL it cannot run; production SQL stays unchanged.

Run as `python fakesnow_shim.py -s -p PORT` (the same arguments as `python -m fakesnow`). Inside this
server process only:

- `CREATE [OR REPLACE] TEMPORARY TABLE|VIEW <db>.<schema>.<name>`: fakesnow maps a temporary object to
  DuckDB's `temp` catalog and so cannot create one fully qualified, which dbt-snowflake does for every
  incremental run after the first (`<model>__dbt_tmp`) and for unit-test fixtures. The object is made
  an ordinary one instead; dbt replaces or drops it itself, so nothing else changes.
- `ALTER SCHEMA a SWAP WITH b`, which publishes the marts (dbt/macros/publish.sql): DuckDB cannot
  rename schemas, so the tables of the two schemas are exchanged by copying through a scratch schema.
  (Atomicity is Snowflake's promise, not this emulation's; the tests check the result.)
- `BEGIN`, which dbt-snowflake sends before delete+insert: fakesnow opens the transaction but then
  fails describing the statement's result ("Table with name BEGIN does not exist").
- `CREATE OR REPLACE TABLE a CLONE b`, with which the Snowflake publish brings the build schema's
  incremental marts up to date after the swap: fakesnow 0.11.18 turns a clone into
  `CREATE TABLE a AS SELECT * FROM b` and drops the OR REPLACE (transforms.create_clone rebuilds the
  Create without its `replace` argument), so it fails "Table ... already exists" where Snowflake
  replaces the table (CREATE ... CLONE documents OR REPLACE). Sent here as the CTAS it means.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import sqlglot

# dbt adds a /* query comment */ to every statement (dbt-snowflake at the end, others at the start).
_COMMENT = r"(?:\s*/\*.*?\*/)*"
_TEMPORARY = re.compile(
    r"^(" + _COMMENT + r"\s*create\s+(?:or\s+replace\s+)?)(?:local\s+|global\s+)?temp(?:orary)?\s+((?:table|view)\s+(?:if\s+not\s+exists\s+)?"
    r"[\w\"]+\.[\w\"]+\.[\w\"]+)",
    re.IGNORECASE | re.DOTALL,
)
_SWAP = re.compile(r"^" + _COMMENT + r"\s*alter\s+schema\s+([\w\"]+)\.([\w\"]+)\s+swap\s+with\s+([\w\"]+)\.([\w\"]+)\s*;?" + _COMMENT + r"\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_CLONE = re.compile(
    r"^(" + _COMMENT + r"\s*create\s+or\s+replace\s+table\s+[\w\"]+\.[\w\"]+\.[\w\"]+)\s+clone\s+([\w\"]+\.[\w\"]+\.[\w\"]+)",
    re.IGNORECASE | re.DOTALL,
)
_BEGIN = re.compile(r"^" + _COMMENT + r"\s*begin(?:\s+(?:transaction|work))?\s*;?" + _COMMENT + r"\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_parse_one = sqlglot.parse_one


def parse_one(sql: str, *args: Any, **kwargs: Any) -> Any:
    """The server parses each statement (for its type) before running it; sqlglot cannot parse a swap."""
    return _parse_one("select 1" if isinstance(sql, str) and _SWAP.match(sql) else sql, *args, **kwargs)


# Before fakesnow is imported: its server module binds `from sqlglot import parse_one` when it loads.
sqlglot.parse_one = parse_one

import fakesnow.cli  # noqa: E402
from fakesnow.cursor import FakeSnowflakeCursor  # noqa: E402

_execute = FakeSnowflakeCursor.execute


def _unquoted(name: str) -> str:
    return name.strip('"') if name.startswith('"') else name.upper()


def _tables(cursor: FakeSnowflakeCursor, database: str, schema: str) -> list[str]:
    _execute(
        cursor,
        f"select table_name from {database}.information_schema.tables "
        f"where table_schema = '{schema}' and table_type = 'BASE TABLE'",
    )
    return [row[0] for row in cursor.fetchall()]


def _move_tables(cursor: FakeSnowflakeCursor, database: str, source: str, target: str) -> None:
    for table in _tables(cursor, database, source):
        _execute(cursor, f'create or replace table {database}."{target}"."{table}" as select * from {database}."{source}"."{table}"')
        _execute(cursor, f'drop table {database}."{source}"."{table}"')


def _swap_schemas(cursor: FakeSnowflakeCursor, database: str, first: str, second: str) -> None:
    scratch = "FAKESNOW_SHIM_SWAP"
    _execute(cursor, f'create schema if not exists {database}."{scratch}"')
    _move_tables(cursor, database, first, scratch)
    _move_tables(cursor, database, second, first)
    _move_tables(cursor, database, scratch, second)
    _execute(cursor, f'drop schema {database}."{scratch}"')


def execute(self: FakeSnowflakeCursor, command: str, *args: Any, **kwargs: Any) -> FakeSnowflakeCursor:
    if isinstance(command, str):
        swap = _SWAP.match(command)
        if swap:
            database = swap.group(1)
            _swap_schemas(self, database, _unquoted(swap.group(2)), _unquoted(swap.group(4)))
            return _execute(self, "select 'Statement executed successfully.' as status")
        if _BEGIN.match(command):
            # fakesnow starts the transaction, then fails to describe BEGIN's result; do both here.
            _execute(self, "select 'Statement executed successfully.' as status")
            if not self._conn._in_transaction:
                self._duck_conn.begin()
                self._conn._in_transaction = True
            return self
        command = _TEMPORARY.sub(r"\1\2", command, count=1)
        command = _CLONE.sub(r"\1 as select * from \2", command, count=1)
    return _execute(self, command, *args, **kwargs)


FakeSnowflakeCursor.execute = execute  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(fakesnow.cli.main(sys.argv[1:]))
