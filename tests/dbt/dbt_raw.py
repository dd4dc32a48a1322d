"""Hand-written RAW deliveries, shaped by the entity contracts, carrying every mess the marts must survive;
and the base marts built from them (the dbt and report tests' shared warehouse)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from dbt_warehouse import make_settings

from coretelecoms.common.entities import AGENTS, CALL_LOGS, CUSTOMERS, SOCIAL_MEDIA, WEB_FORMS, Entity
from coretelecoms.settings import Settings
from coretelecoms.transform import TransformResult, dbt_build

LOADED_AT_FIELD = pa.field("_loaded_at", pa.timestamp("us", tz="UTC"), nullable=False)
ENTITIES_BY_TABLE: dict[str, Entity] = {
    e.table: e for e in (CUSTOMERS, AGENTS, CALL_LOGS, SOCIAL_MEDIA, WEB_FORMS)
}

DAY1, DAY2, DAY3 = date(2025, 11, 20), date(2025, 11, 21), date(2025, 11, 22)

C1 = "0b7e5a34-1c2d-4e5f-8a9b-000000000001"
C2 = "0b7e5a34-1c2d-4e5f-8a9b-000000000002"
C3 = "0b7e5a34-1c2d-4e5f-8a9b-000000000003"
C4 = "0b7e5a34-1c2d-4e5f-8a9b-000000000004"
C5 = "0b7e5a34-1c2d-4e5f-8a9b-000000000005"
C6 = "0b7e5a34-1c2d-4e5f-8a9b-000000000006"  # never complains
ORPHAN_CUSTOMER = "0b7e5a34-1c2d-4e5f-8a9b-0000000000ff"
ORPHAN_AGENT = 9999

# Loads are stamped relative to now, a day apart, DAY3's an hour ago: the freshness check then sees
# a table holding DAY2 or later as fresh (< 36 h), and one holding only DAY1 as stale.
_LAST_LOAD = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def loaded_at(day: date) -> datetime:
    """When the loader wrote a day's delivery."""
    return _LAST_LOAD - timedelta(days=(DAY3 - day).days)


_load_clock = [datetime.now(UTC)]


def load_time() -> datetime:
    """The `_loaded_at` of a load the test makes now: as the loaders stamp it, later than every load
    before it (the incremental models read what was loaded after the newest load they reflect)."""
    _load_clock[0] = max(datetime.now(UTC), _load_clock[0] + timedelta(seconds=1))
    return _load_clock[0]


def raw_schema(entity: Entity) -> pa.Schema:
    """The RAW table shape: the lake schema of the entity plus the loader's `_loaded_at`."""
    return entity.schema.append(LOADED_AT_FIELD)


def delivery(
    entity: Entity, rows: Iterable[Mapping[str, Any]], *, day: date, at: datetime | None = None
) -> pa.Table:
    """One day's delivery of an entity as the loader writes it, lineage included."""
    at = at or loaded_at(day)
    rows = list(rows)
    columns: dict[str, list[Any]] = {c.name: [r.get(c.name) for r in rows] for c in entity.columns}
    columns["_ingested_at"] = [at] * len(rows)
    columns["_source"] = [f"test/{entity.name}/ingest_date={day.isoformat()}"] * len(rows)
    columns["_run_id"] = [f"run-{day.isoformat()}"] * len(rows)
    columns["_ingest_date"] = [day] * len(rows)
    columns["_loaded_at"] = [at] * len(rows)
    return pa.table(columns, schema=raw_schema(entity))


def write_raw(db_path: Path, tables: Mapping[str, pa.Table | None]) -> None:
    """Create or replace RAW tables in a DuckDB warehouse; a `None` table is dropped (never arrived)."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute("create schema if not exists raw")
        for name, table in tables.items():
            if table is None:
                con.execute(f"drop table if exists raw.{name}")
                continue
            con.register("incoming", table)
            con.execute(f"create or replace table raw.{name} as select * from incoming")
            con.unregister("incoming")
    finally:
        con.close()


def load_day(db_path: Path, name: str, table: pa.Table) -> None:
    """Load one day as the loader does, idempotently: that day's rows are replaced by `table`'s."""
    days = sorted(set(table.column("_ingest_date").to_pylist()))
    con = duckdb.connect(str(db_path))
    try:
        for day in days:
            con.execute(f"delete from raw.{name} where _ingest_date = ?", [day])
        con.register("incoming", table)
        con.execute(f"insert into raw.{name} by name select * from incoming")
    finally:
        con.close()


def _ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _records(
    columns: tuple[str, ...], *rows: tuple[Any, ...], timestamps: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Rows as records; the `timestamps` columns are written as ISO text and parsed here."""
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    for record in records:
        for column in timestamps:
            record[column] = _ts(record[column])
    return records


# --- customers: a static snapshot re-delivered whole each day --------------------------------------

CUSTOMER_COLUMNS = ("customer_id", "name", "gender", "date_of_birth", "signup_date", "email", "address")


def customers_day1() -> list[dict[str, Any]]:
    return _records(
        CUSTOMER_COLUMNS,
        (C1, " Ann Lee ", "F", date(1990, 5, 1), date(2021, 1, 10), " Ann.Lee@GMIAL.om ",
         "123 Oak St\nSpringfield, IL 62704"),
        (C2, "Ben Ode", "M", date(1960, 2, 2), date(2022, 3, 4), "ben@hotmai.com", "9 Elm Rd\nAustin, tx 73301"),
        (C3, "Cal Poe", "Male", date(2001, 7, 7), date(2023, 5, 6), "cal@hotmaill.com", ""),
        (C4, "Dee Ray", "Female", None, date(2024, 1, 1), "not-an-email", None),
        (C5, "Eve Yu", "", date(1985, 12, 31), date(2020, 6, 1), "", "1 Main St\nBoston, MA 02108"),
        # SOURCES.md's real shapes: a mixed-case typo, a military address
        (C6, "Fay Oh", "female", date(1999, 9, 9), date(2025, 1, 1), "2772fay_oh525@GmaiL.om",
         "PSC 2383, Box 3666\nAPO AA 12094"),
    )  # fmt: skip


def customers_day2() -> list[dict[str, Any]]:
    rows = customers_day1()
    rows[1] = {**rows[1], "email": "Ben.New@Yahoo.com"}  # the latest delivery wins
    rows.append(dict(rows[2]))  # an exact duplicate inside one delivery
    return rows


# --- agents ---------------------------------------------------------------------------------------


def agents_rows() -> list[dict[str, Any]]:
    return _records(
        ("agent_id", "name", "experience", "state"),
        # full state names, as the sheet really has them (SOURCES.md); one maps to nothing
        (1001, "Ada Ng", "Mid", "California"),
        (1002, "Bo Li", " mid-level ", " new york"),
        (1003, "Cy Oz", "SENIOR", "Rhode Island"),
        (1004, "Di Wu", "intern", "West Virginia"),
        (1005, "Ed Vo", "guru", "Atlantis"),
    )


# --- complaints -----------------------------------------------------------------------------------

CALL_COLUMNS = ("call_id", "customer_id", "agent_id", "complaint_category", "resolution_status",
                "call_start_time", "call_end_time", "generation_date")  # fmt: skip


def calls(*rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    return _records(CALL_COLUMNS, *rows, timestamps=("call_start_time", "call_end_time"))


def calls_day1() -> list[dict[str, Any]]:
    return calls(
        # stray case and whitespace in the customer reference and the categoricals
        ("CL1", f"  {C1.upper()} ", 1001, " payments", "RESOLVED", "2025-11-20 10:00:00", "2025-11-20 10:30:00", DAY1),
        # orphan customer and agent; the call "ends" before it starts; months before the file date
        ("CL2", ORPHAN_CUSTOMER, ORPHAN_AGENT, "Network Failure", "Backlog",
         "2025-08-01 09:00:00", "2025-08-01 08:50:00", DAY1),
        # an exact duplicate pair
        ("CL3", C2, 1002, "Router Delivery", "In-Progress", "2025-11-20 11:00:00", "2025-11-20 11:20:00", DAY1),
        ("CL3", C2, 1002, "Router Delivery", "In-Progress", "2025-11-20 11:00:00", "2025-11-20 11:20:00", DAY1),
        # values outside the canonical sets
        ("CL4", C3, 1003, "Billing", "done", "2025-11-20 12:00:00", "2025-11-20 12:05:00", DAY1),
    )  # fmt: skip


def calls_day2() -> list[dict[str, Any]]:
    return calls(
        # CL3 re-delivered a day later with a new status: this version wins
        ("CL3", C2, 1002, "Router Delivery", "Resolved", "2025-11-20 11:00:00", "2025-11-20 11:20:00", DAY2),
        ("CL5", C5, 1005, "Technician Support", "Blocked", "2025-11-21 09:00:00", "2025-11-21 09:01:30", DAY2),
    )  # fmt: skip


SOCIAL_COLUMNS = ("complaint_id", "customer_id", "agent_id", "complaint_category", "resolution_status",
                  "request_date", "resolution_date", "media_channel", "generation_date")  # fmt: skip


def posts(*rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    return _records(SOCIAL_COLUMNS, *rows, timestamps=("request_date", "resolution_date"))


def social_day1() -> list[dict[str, Any]]:
    return posts(
        ("SM1", C3, 1003, "Technician Support", "Resolved", "2025-11-20 08:00:00", "2025-11-20 09:30:00",
         "twitter ", DAY1),
        # unresolved: no resolution date; a media channel outside the canonical set
        ("SM2", C1, 1001, "Payments", "blocked ", "2025-11-19 23:00:00", None, "tiktok", DAY1),
        # no agent at all
        ("SM3", C4, None, "NETWORK FAILURE", "Backlog", "2025-11-20 07:00:00", None, "Facebook", DAY1),
    )  # fmt: skip


def social_day2() -> list[dict[str, Any]]:
    return posts(
        (
            "SM2",
            C1,
            1001,
            "Payments",
            "Resolved",
            "2025-11-19 23:00:00",
            "2025-11-21 01:00:00",
            "tiktok",
            DAY2,
        ),
    )


WEB_COLUMNS = ("request_id", "customer_id", "agent_id", "complaint_category", "resolution_status",
               "request_date", "resolution_date", "generation_date")  # fmt: skip


def forms(*rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    return _records(WEB_COLUMNS, *rows, timestamps=("request_date", "resolution_date"))


def web_day1() -> list[dict[str, Any]]:
    return forms(
        ("WF1", C4, 1004, "payments", "resolved", "2025-11-19 12:00:00", "2025-11-19 12:45:30", DAY1),
        ("WF2", C5, 1004, "Router Delivery", "Backlog", "2025-11-20 15:00:00", None, DAY1),
    )


def web_day2() -> list[dict[str, Any]]:
    return forms(
        # WF1 delivered again, unchanged
        ("WF1", C4, 1004, "payments", "resolved", "2025-11-19 12:00:00", "2025-11-19 12:45:30", DAY1),
        ("WF3", f" {C2} ", 1003, " Technician support ", "IN-PROGRESS", "2025-11-21 08:00:00", None, DAY2),
    )


def base_raw() -> dict[str, pa.Table]:
    """Two days of deliveries of all five RAW tables."""
    days = {
        "customers": (CUSTOMERS, customers_day1(), customers_day2()),
        "agents": (AGENTS, agents_rows(), agents_rows()),
        "call_logs": (CALL_LOGS, calls_day1(), calls_day2()),
        "social_media_complaints": (SOCIAL_MEDIA, social_day1(), social_day2()),
        "web_form_requests": (WEB_FORMS, web_day1(), web_day2()),
    }
    return {
        table: pa.concat_tables([delivery(entity, day1, day=DAY1), delivery(entity, day2, day=DAY2)])
        for table, (entity, day1, day2) in days.items()
    }


@dataclass(frozen=True)
class BaseMarts:
    """The base deliveries (`raw`) in a fresh DuckDB warehouse, built into marts by dbt."""

    settings: Settings
    raw: dict[str, pa.Table]
    result: TransformResult


def build_base_marts(home: Path) -> BaseMarts:
    """Write base_raw() into a new warehouse under `home` and run one dbt build over it."""
    settings = make_settings(home)
    raw = base_raw()
    write_raw(settings.duckdb_path, raw)
    return BaseMarts(settings, raw, dbt_build(settings, progress=False))


# What fct_complaints must say about the base data: (channel, source id) -> expected fields.
_F = ("customer_id", "agent_id", "complaint_category", "resolution_status", "resolution_minutes", "is_resolved",
      "has_known_customer", "has_known_agent", "media_channel", "complaint_date")  # fmt: skip
EXPECTED_COMPLAINTS: dict[tuple[str, str], dict[str, Any]] = {
    key: dict(zip(_F, values, strict=True))
    for key, values in {
        ("call_center", "CL1"): (C1, 1001, "Payments", "Resolved", 30.0, True, True, True, None, DAY1),
        ("call_center", "CL2"): ("unknown", -1, "Network Failure", "Backlog", None, False, False, False, None,
                                 date(2025, 8, 1)),
        ("call_center", "CL3"): (C2, 1002, "Router Delivery", "Resolved", 20.0, True, True, True, None, DAY1),
        ("call_center", "CL4"): (C3, 1003, "Unknown", "Unknown", 5.0, False, True, True, None, DAY1),
        ("call_center", "CL5"): (C5, 1005, "Technician Support", "Blocked", 1.5, False, True, True, None, DAY2),
        ("social_media", "SM1"): (C3, 1003, "Technician Support", "Resolved", 90.0, True, True, True, "Twitter",
                                  DAY1),
        ("social_media", "SM2"): (C1, 1001, "Payments", "Resolved", 1560.0, True, True, True, "Unknown",
                                  date(2025, 11, 19)),
        ("social_media", "SM3"): (C4, -1, "Network Failure", "Backlog", None, False, True, False, "Facebook", DAY1),
        ("web_form", "WF1"): (C4, 1004, "Payments", "Resolved", 45.5, True, True, True, None, date(2025, 11, 19)),
        ("web_form", "WF2"): (C5, 1004, "Router Delivery", "Backlog", None, False, True, True, None, DAY1),
        ("web_form", "WF3"): (C2, 1003, "Technician Support", "In-Progress", None, False, True, True, None, DAY2),
    }.items()
}  # fmt: skip
