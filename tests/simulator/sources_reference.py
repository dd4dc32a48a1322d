"""An independent reader of the simulated sources that applies the extractor's quarantine rule.

It shares no code with the simulator, so the manifest's counts are checked against what a reader
actually finds in the bytes and rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTEGER = re.compile(r"[+-]?\d+(\.0+)?")  # `1035.0`: an integer pandas wrote as a float


@dataclass(frozen=True)
class Rule:
    """Which columns of an entity the extractor types: the id, timestamps, dates, integers."""

    id: str
    timestamps: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()


RULES = {
    "customers": Rule("customer_id", dates=("DATE of biRTH", "signup_date")),
    "agents": Rule("iD", integers=("iD",)),
    "call-logs": Rule(
        "call ID", ("call_start_time", "call_end_time"), ("callLogsGenerationDate",), ("agent ID",)
    ),
    "social-media": Rule(
        "complaint_id", ("request_date", "resolution_date"), ("MediaComplaintGenerationDate",), ("agent ID",)
    ),
    "web-forms": Rule(
        "request_id", ("request_date", "resolution_date"), ("webFormGenerationDate",), ("agent ID",)
    ),
}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _written_as(value: str, pattern: re.Pattern, form: str) -> bool:
    """`value` is spelt exactly as `pattern` says and is a real calendar value in strptime `form`."""
    if not pattern.fullmatch(value):
        return False
    try:
        datetime.strptime(value, form)
    except ValueError:
        return False
    return True


def reason(entity: str, record: dict | None) -> str | None:
    """Why the extractor must quarantine the record (None: it is kept). `record` None = wrong field count."""
    if record is None:
        return "field_count"
    rule = RULES[entity]
    if not _text(record.get(rule.id)):
        return "empty_id"
    for column in rule.timestamps:
        value = _text(record.get(column))
        if value and not _written_as(value, TIMESTAMP, "%Y-%m-%d %H:%M:%S"):
            return "timestamp"
    for column in rule.dates:
        value = _text(record.get(column))
        if value and not _written_as(value, DATE, "%Y-%m-%d"):
            return "date"
    for column in rule.integers:
        value = record.get(column)
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            continue
        value = _text(value)
        if value and not INTEGER.fullmatch(value):
            return "integer"
    return None


# The 50 states and DC by their full names (SOURCES.md: agents' `state`), spelt out here independently.
US_STATE_NAMES = frozenset(
    [
        "Alabama",
        "Alaska",
        "Arizona",
        "Arkansas",
        "California",
        "Colorado",
        "Connecticut",
        "Delaware",
        "District of Columbia",
        "Florida",
        "Georgia",
        "Hawaii",
        "Idaho",
        "Illinois",
        "Indiana",
        "Iowa",
        "Kansas",
        "Kentucky",
        "Louisiana",
        "Maine",
        "Maryland",
        "Massachusetts",
        "Michigan",
        "Minnesota",
        "Mississippi",
        "Missouri",
        "Montana",
        "Nebraska",
        "Nevada",
        "New Hampshire",
        "New Jersey",
        "New Mexico",
        "New York",
        "North Carolina",
        "North Dakota",
        "Ohio",
        "Oklahoma",
        "Oregon",
        "Pennsylvania",
        "Rhode Island",
        "South Carolina",
        "South Dakota",
        "Tennessee",
        "Texas",
        "Utah",
        "Vermont",
        "Virginia",
        "Washington",
        "West Virginia",
        "Wisconsin",
        "Wyoming",
    ]
)
US_STATE_CODES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
    ]
)
EXPERIENCE = ("intern", "Junior", "Mid-level", "Senior")  # as the real sheet writes them
MILITARY_LINE = re.compile(r"(APO|FPO|DPO) (AA|AE|AP) \d{5}")
TERRITORY_END = re.compile(r", (MP|GU|PR|VI|AS) \d{5}$")
STATE_END = re.compile(r", ([A-Z]{2}) \d{5}$")
# SOURCES.md's e-mail typos: `GmaiL.om`, `hotmai.com`, `gmial`, `hotmaill.com`, `.om` for `.com`, whitespace.
TYPO_DOMAINS = frozenset({"GmaiL.om", "hotmai.com", "gmial.com", "hotmaill.com"})


def email_typo(email: str) -> bool:
    """Whether an e-mail carries one of the known typos."""
    domain = email.strip().rsplit("@", 1)[-1]
    return email != email.strip() or domain in TYPO_DOMAINS or domain.endswith(".om")


def integer(value) -> int:
    """The integer a kept record's integer field holds (`1035`, `1035.0`, or a JSON number)."""
    return int(float(value))


@dataclass
class Delivery:
    """What a file or table delivered: its header, its records (None where the field count is wrong) and raw rows."""

    header: list[str]
    records: list[dict | None]
    raw: list[tuple] = field(default_factory=list)  # the values as delivered, index column excluded
    bom: bool = False
    crlf: bool = False

    def reasons(self, entity: str) -> list[str | None]:
        return [reason(entity, r) for r in self.records]

    def kept(self, entity: str) -> list[dict]:
        return [r for r in self.records if reason(entity, r) is None]


def read_csv(path: Path, index_column: bool) -> Delivery:
    """A CSV as a careful reader sees it: BOM stripped, quoted newlines kept, field counts checked."""
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    first_line = data.split(b"\n", 1)[0]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    records: list[dict | None] = []
    raw = []
    for row in body:
        values = row[1:] if index_column else row
        raw.append(tuple(values))
        records.append(
            dict(zip(header[1:] if index_column else header, values, strict=True))
            if len(row) == len(header)
            else None
        )
    return Delivery(header, records, raw, bom=bom, crlf=first_line.endswith(b"\r"))


def read_json_columns(path: Path) -> Delivery:
    """The column-oriented JSON: {"column": {"0": v, ...}, ...}, records in index order."""
    columns = json.loads(path.read_text())
    header = list(columns)
    keys = sorted(columns[header[0]], key=int)
    assert all(sorted(c, key=int) == keys for c in columns.values())
    records = [{h: columns[h][k] for h in header} for k in keys]
    return Delivery(header, records, [tuple(r.values()) for r in records])


def read_table(dsn: str, schema: str, table: str) -> Delivery:
    """A web-forms table, in `Column1` order."""
    import psycopg2

    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY "Column1"::int')
        header = [d.name for d in cursor.description]
        rows = cursor.fetchall()
    connection.close()
    records = [dict(zip(header[1:], row[1:], strict=True)) for row in rows]
    return Delivery(header, records, [tuple(row[1:]) for row in rows])


def read_agents(path: Path) -> Delivery:
    """The agents sheet stand-in, first worksheet (or the CSV)."""
    if path.suffix == ".csv":
        return read_csv(path, index_column=False)
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    header = list(rows[0])
    return Delivery(
        header, [dict(zip(header, r, strict=True)) for r in rows[1:]], [tuple(r) for r in rows[1:]]
    )
