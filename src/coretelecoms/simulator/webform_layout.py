"""The web-form tables' layout: the day's table name in either spelling, and the column types on request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

SCHEMA = "customer_complaints"
# PostgreSQL folds the brief's unquoted `Web_form_request_…` to lower case: the real table (SOURCES.md).
_SPELLINGS = {"lower": "web_form_request_{:%Y_%m_%d}", "mixed": "Web_form_request_{:%Y_%m_%d}"}
CASES = tuple(_SPELLINGS)
# Exactly as delivered (SOURCES.md): quoted, mixed-case names; text unless `types` says otherwise.
COLUMNS = [
    "Column1",
    "request_id",
    "customeR iD",
    "COMPLAINT_catego ry",
    "agent ID",
    "resolutionstatus",
    "request_date",
    "resolution_date",
    "webFormGenerationDate",
]
# The other types a column may have in a real database ("read any column type").
TYPES = {
    "Column1": ("text", "integer", "bigint"),
    "agent ID": ("text", "integer", "bigint"),
    "request_date": ("text", "timestamp", "timestamptz"),
    "resolution_date": ("text", "timestamp", "timestamptz"),
    "webFormGenerationDate": ("text", "date"),
}
TIMESTAMP_TYPES = ("timestamp", "timestamptz")


def table_names(day: date, case: str, both: bool = False) -> list[str]:
    """The day's table in `case` (`lower` or `mixed`), then the other spelling too when `both`."""
    if case not in _SPELLINGS:
        raise ValueError(f"web-form table case {case!r}: expected one of {', '.join(CASES)}")
    names = [_SPELLINGS[case].format(day)]
    if both:
        names += [spelling.format(day) for other, spelling in _SPELLINGS.items() if other != case]
    return names


def every_spelling(day: date) -> list[str]:
    """Both spellings of the day's table, so a re-run can drop whichever an earlier run left."""
    return [spelling.format(day) for spelling in _SPELLINGS.values()]


def check_types(types: Mapping[str, str]) -> None:
    """Refuse a column that cannot change type, or a type it cannot take."""
    for column, kind in types.items():
        if column not in TYPES:
            raise ValueError(f"web-form column {column!r} stays text; typed columns: {', '.join(TYPES)}")
        if kind not in TYPES[column]:
            raise ValueError(
                f"web-form column {column!r}: type {kind!r} is not one of {', '.join(TYPES[column])}"
            )


def parse_types(items: Iterable[str]) -> dict[str, str]:
    """`COLUMN=TYPE` strings (the CLI's `--web-form-type "agent ID=integer"`) as a validated mapping.

    Raises:
        ValueError: an item that is not COLUMN=TYPE, or a column/type pair `check_types` refuses.
    """
    types: dict[str, str] = {}
    for item in items:
        column, sep, kind = item.rpartition("=")
        if not sep:
            raise ValueError(f"{item!r}: expected COLUMN=TYPE, e.g. 'request_date=timestamptz'")
        types[column.strip()] = kind.strip().lower()
    check_types(types)
    return types


def column_type(types: Mapping[str, str], column: str) -> str:
    """The PostgreSQL type of one column."""
    return types.get(column, "text")
