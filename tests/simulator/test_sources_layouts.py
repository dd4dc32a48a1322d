"""The simulated sources have exactly the layouts of SOURCES.md, readable the way the real ones are."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import psycopg2
from sources_reference import read_agents, read_csv, read_json_columns, read_table
from sources_runs import run_sources

from coretelecoms.common.entities import (
    AGENTS,
    CALL_LOGS,
    COMPLAINT_CATEGORIES,
    CUSTOMERS,
    CUSTOMERS_KEY,
    MEDIA_CHANNELS,
    RESOLUTION_STATUSES,
    SOCIAL_MEDIA,
    WEB_FORMS,
    WEB_FORMS_SCHEMA,
)

CUSTOMERS_HEADER = "customer_id,name,Gender,DATE of biRTH,signup_date,email,address"
CALL_LOGS_HEADER = (
    ",call ID,customeR iD,COMPLAINT_catego ry,agent ID,call_start_time,call_end_time,resolutionstatus,"
    "callLogsGenerationDate"
)
SOCIAL_KEYS = [
    "complaint_id",
    "customeR iD",
    "COMPLAINT_catego ry",
    "agent ID",
    "resolutionstatus",
    "request_date",
    "resolution_date",
    "media_channel",
    "MediaComplaintGenerationDate",
]
WEB_COLUMNS = [
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
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
CALL_ID = re.compile(r"[A-Z][a-z]{2}\d{4}[0-9A-Za-z]{11}[A-Z][a-z]{2}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def test_headers_match_the_entity_contracts():
    # The simulator spells the headers out itself; they must be the ones the extractors expect.
    assert CUSTOMERS_HEADER.split(",") == CUSTOMERS.raw_headers
    assert CALL_LOGS_HEADER.split(",")[1:] == CALL_LOGS.raw_headers
    assert AGENTS.raw_headers == ["iD", "NamE", "experience", "state"]
    assert sorted(SOCIAL_KEYS) == sorted(SOCIAL_MEDIA.raw_headers)
    assert sorted(WEB_COLUMNS[1:]) == sorted(WEB_FORMS.raw_headers)


def test_customers_csv_layout(default_run):
    path = default_run.bucket / CUSTOMERS_KEY
    text = path.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == CUSTOMERS_HEADER
    delivery = read_csv(path, index_column=False)
    kept = delivery.kept("customers")
    assert len(kept) > 1000
    for record in kept:
        assert UUID.fullmatch(record["customer_id"])
        # Addresses span lines inside quotes and end with a state code and a 5-digit zip.
        assert "\n" in record["address"]
        assert re.search(r", [A-Z]{2} \d{5}$", record["address"])
    # A naive line reader sees more lines than records: the quoted newlines.
    assert text.count("\n") > 2 * len(delivery.records)
    # pandas reads it with the raw header names (skipping rows with too many fields; it pads short ones).
    frame = pd.read_csv(path, encoding="utf-8-sig", on_bad_lines="skip", dtype=str, keep_default_na=False)
    assert list(frame.columns) == CUSTOMERS.raw_headers
    addresses = frame["address"][frame["address"] != ""]
    assert len(addresses) > 1000 and addresses.str.contains("\n").all()


def test_customer_emails_carry_the_known_typos(heavy_run):
    delivery = read_csv(heavy_run.bucket / CUSTOMERS_KEY, index_column=False)
    domains = {r["email"].rsplit("@", 1)[-1] for r in delivery.kept("customers") if "@" in r["email"]}
    assert {"gmial.com", "hotmai.com", "hotmaill.com"} <= domains
    assert any(d.endswith(".om") for d in domains)


def test_call_logs_csv_layout(default_run):
    for day, truth in default_run.days("call-logs").items():
        path = default_run.call_log(day)
        first_line = path.read_bytes().decode("utf-8-sig").split("\n", 1)[0].rstrip("\r")
        assert first_line.split(",")[: len(CALL_LOGS_HEADER.split(","))] == CALL_LOGS_HEADER.split(",")
        delivery = read_csv(path, index_column=True)
        assert delivery.bom == truth["bom"] and delivery.crlf == truth["crlf"]
        for record in delivery.kept("call-logs"):
            assert CALL_ID.fullmatch(record["call ID"])
            assert UUID.fullmatch(record["customeR iD"])
            assert record["callLogsGenerationDate"] == day
            assert TIMESTAMP.fullmatch(record["call_start_time"]) and TIMESTAMP.fullmatch(
                record["call_end_time"]
            )
            assert record["call_start_time"][:10] <= day
        # The leftover pandas index comes back as "Unnamed: 0", numbering the records.
        frame = pd.read_csv(path, encoding="utf-8-sig", on_bad_lines="skip", dtype=str, keep_default_na=False)
        assert frame.columns[0] == "Unnamed: 0"
        assert list(frame.columns[1:9]) == CALL_LOGS.raw_headers


def test_call_times_reach_back_months(heavy_run):
    starts = [
        r["call_start_time"][:10]
        for day in heavy_run.days("call-logs")
        for r in read_csv(heavy_run.call_log(day), index_column=True).kept("call-logs")
    ]
    assert min(starts) < "2025-10-01"  # some calls lie well over a month before the first file


def test_social_media_json_is_column_oriented(default_run):
    for day in default_run.days("social-media"):
        path = default_run.social_media(day)
        frame = pd.read_json(path, dtype=False)
        assert list(frame.columns[:9]) == SOCIAL_KEYS
        assert list(frame.index) == list(range(len(frame)))
        delivery = read_json_columns(path)
        kept = delivery.kept("social-media")
        for record in kept:
            assert record["MediaComplaintGenerationDate"] == day
            assert record["media_channel"] in MEDIA_CHANNELS
            assert isinstance(record["agent ID"], int)  # a JSON number
            if record["resolutionstatus"].strip().lower() == "resolved":
                assert TIMESTAMP.fullmatch(record["resolution_date"])
            else:
                assert record["resolution_date"] == ""


def test_web_form_tables(default_run, sources_pg):
    with psycopg2.connect(sources_pg) as connection, connection.cursor() as cursor:
        for day, truth in default_run.days("web-forms").items():
            table = f"Web_form_request_{day.replace('-', '_')}"
            cursor.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (WEB_FORMS_SCHEMA, table),
            )
            columns = cursor.fetchall()
            assert [c for c, _ in columns][:9] == WEB_COLUMNS
            assert {t for _, t in columns} == {"text"}
            assert truth["location"] == f"{WEB_FORMS_SCHEMA}.{table}"
            delivery = read_table(sources_pg, WEB_FORMS_SCHEMA, table)
            assert len(delivery.records) == truth["rows"]
            for record in delivery.kept("web-forms"):
                assert record["webFormGenerationDate"] == day
                if record["resolutionstatus"].strip().lower() != "resolved":
                    assert record["resolution_date"] == ""  # an empty string, not NULL
    connection.close()


def test_categoricals_stay_in_their_domains(heavy_run, sources_pg):
    # Case and whitespace aside, every category and status is one of the canonical values.
    categories = {c.lower() for c in COMPLAINT_CATEGORIES}
    statuses = {s.lower() for s in RESOLUTION_STATUSES}
    seen_messy = 0
    for day in heavy_run.days("call-logs"):
        for record in read_csv(heavy_run.call_log(day), index_column=True).kept("call-logs"):
            assert record["COMPLAINT_catego ry"].strip().lower() in categories
            assert record["resolutionstatus"].strip().lower() in statuses
            seen_messy += record["COMPLAINT_catego ry"] not in COMPLAINT_CATEGORIES
    assert seen_messy


def test_agents_sheet_layout(default_run):
    delivery = read_agents(default_run.config.agents_path)
    assert delivery.header == ["iD", "NamE", "experience", "state"]
    kept = delivery.kept("agents")
    ids = sorted({r["iD"] for r in kept})
    assert 40 <= len(ids) <= 45 and ids[0] >= 1000 and ids[-1] < 1045  # 45 agents at scale 0.5
    assert all(isinstance(i, int) for i in ids)
    assert {r["experience"] for r in kept} >= {"Mid", "mid-level", "Senior", "junior", "intern"}
    assert all(re.fullmatch(r"[A-Z]{2}", r["state"]) for r in kept)
    # pandas reads the first worksheet with the raw header names.
    assert list(pd.read_excel(default_run.config.agents_path).columns) == AGENTS.raw_headers


def test_agents_csv_stand_in(tmp_path):
    run = run_sources(tmp_path, None, date(2025, 11, 20), 1, agents_path=tmp_path / "agents.csv")
    delivery = read_agents(tmp_path / "agents.csv")
    assert delivery.header == AGENTS.raw_headers
    assert len(delivery.records) == run.manifest["entities"]["agents"]["rows"]
    assert "web-forms" not in run.manifest["entities"]  # no DSN: no web forms


def test_web_forms_can_drift_too(tmp_path, sources_pg):
    run = run_sources(tmp_path, sources_pg, date(2026, 3, 1), 2, scale=0.1, drift_entities=("web-forms",))
    with psycopg2.connect(sources_pg) as connection, connection.cursor() as cursor:
        for day, truth in run.days("web-forms").items():
            cursor.execute(
                f'SELECT * FROM {WEB_FORMS_SCHEMA}."Web_form_request_{day.replace("-", "_")}" LIMIT 0'
            )
            assert [d.name for d in cursor.description] == truth["header"]
            assert (truth["header"][-1] == "browser") == (day == "2026-03-02")
    connection.close()
    assert not any(t["drift"] for t in run.days("call-logs").values())
