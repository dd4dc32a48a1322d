"""The simulated sources have exactly the layouts of SOURCES.md, readable the way the real ones are."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import psycopg2
from sources_reference import (
    EXPERIENCE,
    MILITARY_LINE,
    STATE_END,
    TERRITORY_END,
    TIMESTAMP,
    US_STATE_CODES,
    US_STATE_NAMES,
    email_typo,
    read_agents,
    read_csv,
    read_json_columns,
    read_table,
)
from sources_runs import run_sources

from coretelecoms.common.entities import (
    AGENTS,
    CALL_LOGS,
    COMPLAINT_CATEGORIES,
    CUSTOMERS,
    CUSTOMERS_KEY,
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
# The social-media JSON and the web-form tables deliver exactly the extractors' headers, in the contract's
# order; the tables carry a leftover index column first.
SOCIAL_KEYS = SOCIAL_MEDIA.raw_headers
WEB_COLUMNS = ["Column1", *WEB_FORMS.raw_headers]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
CALL_ID = re.compile(r"[A-Z][a-z]{2}\d{4}[0-9A-Za-z]{11}[A-Z][a-z]{2}")
# SOURCES.md: `<a few hex digits><first>[._-]<last><hex digits>@domain`, e.g. `2772brianna_schultz525@GmaiL.om`.
EMAIL = re.compile(r"\s*[0-9a-f]+[a-z]+[._-][a-z]+[0-9a-f]+@[A-Za-z.]+\s*")
MEDIA_CHANNELS = {"Instagram", "Twitter", "Facebook", "LinkedIn"}  # brand-cased (SOURCES.md, revised)


def web_form_table(day: str) -> str:
    """The real, lower-case table name (PostgreSQL folds the unquoted `Web_form_request_…`)."""
    return f"web_form_request_{day.replace('-', '_')}"


def test_headers_match_the_entity_contracts():
    # The simulator spells the headers out itself; they must be the ones the extractors expect.
    assert CUSTOMERS_HEADER.split(",") == CUSTOMERS.raw_headers
    assert CALL_LOGS_HEADER.split(",")[1:] == CALL_LOGS.raw_headers
    assert AGENTS.raw_headers == ["iD", "NamE", "experience", "state"]


def test_customers_csv_layout(default_run):
    path = default_run.bucket / CUSTOMERS_KEY
    text = path.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == CUSTOMERS_HEADER
    delivery = read_csv(path, index_column=False)
    kept = delivery.kept("customers")
    assert len(kept) > 1000
    for record in kept:
        assert UUID.fullmatch(record["customer_id"])
        # Addresses span lines inside quotes and end with a two-letter code and a 5-digit zip.
        assert "\n" in record["address"]
        assert re.search(r"[A-Z]{2} \d{5}$", record["address"])
        assert record["Gender"] in ("M", "F")
    # SOURCES.md: births back to 1930, sign-ups 2010 on.
    births, signups = [r["DATE of biRTH"] for r in kept], [r["signup_date"] for r in kept]
    assert "1930-01-01" <= min(births) < "1935-01-01" and "2010-01-01" <= min(signups) < "2011-01-01"
    # The code is a state's, or else a territory's or an armed-forces post's (SOURCES.md, revised).
    last_lines = [r["address"].rsplit("\n", 1)[-1] for r in kept]
    state = [line for line in last_lines if (m := STATE_END.search(line)) and m[1] in US_STATE_CODES]
    territory = [line for line in last_lines if TERRITORY_END.search(line)]
    military = [line for line in last_lines if MILITARY_LINE.fullmatch(line)]
    assert len(state) + len(territory) + len(military) == len(kept)
    assert territory and military and len(territory) + len(military) < 0.1 * len(kept)
    # A naive line reader sees more lines than records: the quoted newlines.
    assert text.count("\n") > 2 * len(delivery.records)
    # pandas reads it with the raw header names (skipping rows with too many fields; it pads short ones).
    frame = pd.read_csv(path, encoding="utf-8-sig", on_bad_lines="skip", dtype=str, keep_default_na=False)
    assert list(frame.columns) == CUSTOMERS.raw_headers
    addresses = frame["address"][frame["address"] != ""]
    assert len(addresses) > 1000 and addresses.str.contains("\n").all()


def test_customer_emails_have_the_real_shape_and_typos(heavy_run):
    assert EMAIL.fullmatch("2772brianna_schultz525@GmaiL.om")  # the real row SOURCES.md quotes
    assert MILITARY_LINE.fullmatch(["PSC 2383, Box 3666", "APO AA 12094"][1])
    delivery = read_csv(heavy_run.bucket / CUSTOMERS_KEY, index_column=False)
    emails = [r["email"] for r in delivery.kept("customers")]
    valid = [e for e in emails if "@" in e.strip() and " " not in e.strip() and not e.strip().endswith("@")]
    assert len(valid) > 0.9 * len(emails) and all(EMAIL.fullmatch(e) for e in valid)
    assert {e.strip().split("@")[0][-1] in "0123456789abcdef" for e in valid} == {True}
    assert {e.strip()[0] in "0123456789abcdef" for e in valid} == {True}
    assert {sep for e in valid for sep in "._-" if sep in e.split("@")[0]} == {".", "_", "-"}
    domains = [e.strip().rsplit("@", 1)[-1] for e in emails if email_typo(e)]
    assert {"GmaiL.om", "hotmai.com", "gmial.com", "hotmaill.com"} <= set(domains)
    assert any(d.endswith(".om") and d != "GmaiL.om" for d in domains)
    assert any(e != e.strip() for e in emails)  # stray whitespace
    # GmaiL.om is the most frequent typo.
    assert max(set(domains), key=domains.count) == "GmaiL.om"


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
            assert isinstance(record["agent ID"], int | float)  # a JSON number (`1035.0` in some files)
            if record["resolutionstatus"].strip().lower() == "resolved":
                assert TIMESTAMP.fullmatch(record["resolution_date"])
            else:
                assert record["resolution_date"] == ""


def test_web_form_tables(default_run, sources_pg):
    with psycopg2.connect(sources_pg) as connection, connection.cursor() as cursor:
        for day, truth in default_run.days("web-forms").items():
            table = web_form_table(day)
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
    assert 95 <= len(ids) <= 100 and ids[0] >= 1000 and ids[-1] < 1100  # always 100 agents
    assert all(isinstance(i, int) for i in ids)
    # `intern`, `Junior`, `Mid-level`, `Senior` as written, the case varying now and then (SOURCES.md, revised).
    spellings = [r["experience"] for r in kept]
    assert set(spellings) >= set(EXPERIENCE)
    assert {s.strip().lower() for s in spellings} == {e.lower() for e in EXPERIENCE}
    assert 0 < sum(s not in EXPERIENCE for s in spellings) < 0.25 * len(spellings)
    # Full state names such as `Rhode Island`; a rare one maps to nothing, as the manifest records.
    states = [r["state"] for r in kept]
    assert len(set(states) & US_STATE_NAMES) > 30 and any(" " in s for s in states)
    unknown = {r["iD"] for r in kept if r["state"] not in US_STATE_NAMES}
    assert len(unknown) == default_run.manifest["entities"]["agents"]["mess"]["unknown_state"] < 10
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
            cursor.execute(f"SELECT * FROM {WEB_FORMS_SCHEMA}.{web_form_table(day)} LIMIT 0")
            assert [d.name for d in cursor.description] == truth["header"]
            assert (truth["header"][-1] == "browser") == (day == "2026-03-02")
    connection.close()
    assert not any(t["drift"] for t in run.days("call-logs").values())
