"""The five entities: raw headers as delivered (SOURCES.md), canonical Arrow schemas and RAW table names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa

TIMESTAMP = pa.timestamp("us")
LINEAGE_FIELDS = (
    pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("_source", pa.string(), nullable=False),
    pa.field("_run_id", pa.string(), nullable=False),
    pa.field("_ingest_date", pa.date32(), nullable=False),
)
# Leftover pandas/spreadsheet index columns the sources carry; they hold no information.
INDEX_HEADERS = frozenset({"", "unnamed0", "column1", "index"})


def header_key(header: str) -> str:
    """Normalise a raw header for matching: 'COMPLAINT_catego ry' and 'complaint category' meet."""
    return re.sub(r"[^0-9a-z]", "", header.lstrip("\ufeff").lower())


@dataclass(frozen=True)
class Column:
    """One canonical column and the raw header it comes from."""

    name: str
    source: str
    type: pa.DataType = field(default_factory=pa.string)
    # A required column's empty value sends the row to quarantine (ids); others become null.
    required: bool = False
    # Few distinct values (categories, statuses, dates): Parquet dictionary-encodes only these, since
    # trying it on mostly-distinct columns (ids, timestamps, e-mails) costs time and saves nothing.
    low_cardinality: bool = False


@dataclass(frozen=True)
class Entity:
    """An entity's contract: where it comes from and what it must look like in the lake."""

    name: str  # CLI and lake name, e.g. "call-logs"
    table: str  # RAW table name, e.g. "call_logs"
    system: str  # source system, one container image each: files, sheets, postgres
    key: str  # the source id column
    location: str  # where the delivery lives in its system (SOURCES.md); `{date}` is the ingest date
    columns: tuple[Column, ...]
    # A snapshot is re-delivered whole (customers, agents): fingerprinted, stored only when it changed,
    # and refused when it shrinks; the others deliver one file or table a day.
    snapshot: bool = False

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema written to the lake: canonical columns then lineage."""
        return pa.schema([pa.field(c.name, c.type) for c in self.columns] + list(LINEAGE_FIELDS))

    @property
    def dictionary_columns(self) -> list[str]:
        """Columns worth dictionary-encoding in the lake: the low-cardinality ones and the lineage."""
        return [c.name for c in self.columns if c.low_cardinality] + [f.name for f in LINEAGE_FIELDS]

    @property
    def raw_headers(self) -> list[str]:
        return [c.source for c in self.columns]


# Where each source lives (SOURCES.md); paths are relative to the source bucket root.
CUSTOMERS_KEY = "customers/customers_dataset.csv"
CALL_LOGS_KEY = "call logs/call_logs_day_{date}.csv"
SOCIAL_MEDIA_KEY = "social_medias/media_complaint_day_{date}.json"
WEB_FORMS_SCHEMA = "customer_complaints"
# As PostgreSQL folds the unquoted `Web_form_request_…` of the brief; a quoted mixed-case table is found too.
WEB_FORMS_TABLE = "web_form_request_{date_underscored}"
AGENTS_SHEET_TITLE = "CORETELECOMMS AGENTS"


def _complaint_columns(id_column: Column, *extra: Column) -> tuple[Column, ...]:
    return (
        id_column,
        Column("customer_id", "customeR iD"),
        Column("complaint_category", "COMPLAINT_catego ry", low_cardinality=True),
        Column("agent_id", "agent ID", pa.int64(), low_cardinality=True),
        *extra,
    )


def _request_columns(id_column: Column, generation_header: str, *extra: Column) -> tuple[Column, ...]:
    """The columns of a complaint made in writing (social media, web forms): requested, maybe resolved."""
    return _complaint_columns(
        id_column,
        Column("resolution_status", "resolutionstatus", low_cardinality=True),
        Column("request_date", "request_date", TIMESTAMP),
        Column("resolution_date", "resolution_date", TIMESTAMP),
        *extra,
        Column("generation_date", generation_header, pa.date32(), low_cardinality=True),
    )


CUSTOMERS = Entity(
    name="customers",
    location=CUSTOMERS_KEY,
    table="customers",
    system="files",
    key="customer_id",
    snapshot=True,
    columns=(
        Column("customer_id", "customer_id", required=True),
        Column("name", "name"),
        Column("gender", "Gender", low_cardinality=True),
        Column("date_of_birth", "DATE of biRTH", pa.date32()),
        Column("signup_date", "signup_date", pa.date32(), low_cardinality=True),
        Column("email", "email"),
        Column("address", "address"),
    ),
)
AGENTS = Entity(
    name="agents",
    location=AGENTS_SHEET_TITLE,
    table="agents",
    system="sheets",
    key="agent_id",
    snapshot=True,
    columns=(
        Column("agent_id", "iD", pa.int64(), required=True),
        Column("name", "NamE"),
        Column("experience", "experience", low_cardinality=True),
        Column("state", "state", low_cardinality=True),
    ),
)
CALL_LOGS = Entity(
    name="call-logs",
    location=CALL_LOGS_KEY,
    table="call_logs",
    system="files",
    key="call_id",
    columns=_complaint_columns(
        Column("call_id", "call ID", required=True),
        Column("call_start_time", "call_start_time", TIMESTAMP),
        Column("call_end_time", "call_end_time", TIMESTAMP),
        Column("resolution_status", "resolutionstatus", low_cardinality=True),
        Column("generation_date", "callLogsGenerationDate", pa.date32(), low_cardinality=True),
    ),
)
SOCIAL_MEDIA = Entity(
    name="social-media",
    location=SOCIAL_MEDIA_KEY,
    table="social_media_complaints",
    system="files",
    key="complaint_id",
    columns=_request_columns(
        Column("complaint_id", "complaint_id", required=True),
        "MediaComplaintGenerationDate",
        Column("media_channel", "media_channel", low_cardinality=True),
    ),
)
WEB_FORMS = Entity(
    name="web-forms",
    location=f"{WEB_FORMS_SCHEMA}.{WEB_FORMS_TABLE}",
    table="web_form_requests",
    system="postgres",
    key="request_id",
    columns=_request_columns(Column("request_id", "request_id", required=True), "webFormGenerationDate"),
)

ENTITIES: dict[str, Entity] = {e.name: e for e in (CUSTOMERS, AGENTS, CALL_LOGS, SOCIAL_MEDIA, WEB_FORMS)}


# Canonical value domains (SOURCES.md); cleaning to them happens in dbt staging.
COMPLAINT_CATEGORIES = ("Technician Support", "Network Failure", "Router Delivery", "Payments")
RESOLUTION_STATUSES = ("Resolved", "Backlog", "In-Progress", "Blocked")
MEDIA_CHANNELS = ("instagram", "twitter", "facebook", "linkedin")
