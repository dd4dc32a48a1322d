"""File-level failures happen only on request; configuration mistakes are refused up front."""

from __future__ import annotations

import json
from datetime import date, timedelta

import psycopg2
import pytest
from sources_reference import read_csv
from sources_runs import run_sources

from coretelecoms.common.entities import CUSTOMERS_KEY, WEB_FORMS_SCHEMA
from coretelecoms.simulator import GenerateConfig, MessRates

START = date(2026, 2, 1)
DAYS = [START + timedelta(days=i) for i in range(4)]


def _table_exists(dsn: str, day: date) -> bool:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", (f"{WEB_FORMS_SCHEMA}.web_form_request_{day:%Y_%m_%d}",))
        found = cursor.fetchone()[0] is not None
    connection.close()
    return found


def test_missing_and_truncated_days(tmp_path, sources_pg):
    # A clean first run leaves files and tables that the second run must take away.
    run_sources(tmp_path, sources_pg, START, 4)
    assert _table_exists(sources_pg, DAYS[1])
    run = run_sources(
        tmp_path,
        sources_pg,
        START,
        4,
        missing_days={"call-logs": {DAYS[1]}, "social-media": {DAYS[1]}, "web-forms": {DAYS[1]}},
        truncated_days={"social-media": {DAYS[2]}},
    )
    one, two = DAYS[1].isoformat(), DAYS[2].isoformat()
    assert not run.call_log(one).exists()
    assert not run.social_media(one).exists()
    assert not _table_exists(sources_pg, DAYS[1])
    with pytest.raises(json.JSONDecodeError):
        json.loads(run.social_media(two).read_text())
    for entity in ("call-logs", "social-media", "web-forms"):
        truth = run.days(entity)[one]
        assert (truth["status"], truth["expected_extract"], truth["rows"]) == ("missing", "fails", 0)
    truncated = run.days("social-media")[two]
    assert (truncated["status"], truncated["expected_extract"], truncated["rows"]) == (
        "truncated",
        "fails",
        0,
    )
    totals = run.manifest["entities"]["social-media"]["totals"]
    assert totals["failed_days"] == [one, two]

    # Re-deliveries skip the missing day: day 2 re-delivers ids first seen on day 0.
    day0 = {
        r["call ID"] for r in read_csv(run.call_log(DAYS[0].isoformat()), index_column=True).kept("call-logs")
    }
    day2 = {r["call ID"] for r in read_csv(run.call_log(two), index_column=True).kept("call-logs")}
    assert len(day0 & day2) == run.days("call-logs")[two]["mess"]["redelivered"] > 0


def test_failure_rates_default_to_zero_and_can_be_raised(tmp_path):
    assert MessRates().missing_day == MessRates().truncated_day == 0.0
    run = run_sources(tmp_path, None, START, 2, scale=0.1, rates=MessRates(missing_day=1.0))
    for entity in ("call-logs", "social-media"):
        assert run.manifest["entities"][entity]["totals"]["failed_days"] == [d.isoformat() for d in DAYS[:2]]
    assert (run.bucket / CUSTOMERS_KEY).exists()  # static sources are always delivered


def test_no_mess_at_all(tmp_path):
    run = run_sources(tmp_path, None, START, 3, scale=0.3, rates=MessRates.none())
    entities = run.manifest["entities"]
    assert entities["customers"]["expected_quarantined"] == 0
    assert not any(entities["customers"]["mess"].values())
    for entity in ("call-logs", "social-media"):
        totals = entities[entity]["totals"]
        assert totals["expected_quarantined"] == 0 and not any(totals["mess"].values())
        assert totals["drift_from"] is None
        assert totals["distinct_ids"] == totals["rows"]
    raw = run.call_log(START.isoformat()).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"truncated_days": {"call-logs": {START}}}, "truncated_days"),
        ({"missing_days": {"customers": {START}}}, "missing_days"),
        ({"missing_days": {"web-forms": {START - timedelta(days=1)}}}, "outside"),
        ({"days": 0}, "days"),
        ({"scale": 0}, "scale"),
    ],
)
def test_bad_configuration_is_refused(tmp_path, options, message):
    arguments = {"source_url": tmp_path.as_uri(), "agents_path": tmp_path / "a.xlsx", "postgres_dsn": None}
    arguments |= {"start": START, "days": 2} | options
    with pytest.raises(ValueError, match=message):
        GenerateConfig(**arguments)


@pytest.mark.parametrize("rates", [{"duplicate": 1.5}, {"bad_timestamp": 0.3, "empty_id": 0.3}])
def test_bad_rates_are_refused(rates):
    with pytest.raises(ValueError, match="rate"):
        MessRates(**rates)
