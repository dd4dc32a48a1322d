"""The truth manifest says exactly what a reader finds: re-parse every source and count for ourselves."""

from __future__ import annotations

import pytest
from sources_reference import (
    EXPERIENCE,
    MILITARY_LINE,
    TERRITORY_END,
    US_STATE_NAMES,
    Delivery,
    email_typo,
    integer,
    read_agents,
    read_csv,
    read_json_columns,
    read_table,
)

from coretelecoms.common.entities import (
    COMPLAINT_CATEGORIES,
    CUSTOMERS_KEY,
    RESOLUTION_STATUSES,
    WEB_FORMS_SCHEMA,
)

DAILY = ("call-logs", "social-media", "web-forms")
ID_COLUMN = {"call-logs": "call ID", "social-media": "complaint_id", "web-forms": "request_id"}


def _read(run, entity: str, day: str, truth: dict, dsn: str) -> Delivery:
    if entity == "call-logs":
        return read_csv(run.call_log(day), index_column=True)
    if entity == "social-media":
        return read_json_columns(run.social_media(day))
    return read_table(dsn, WEB_FORMS_SCHEMA, truth["location"].split(".", 1)[1])


def _distinct(raws) -> int:
    return len(set(raws))


def _common_counts(entity: str, delivery: Delivery, truth: dict) -> None:
    reasons = delivery.reasons(entity)
    assert truth["rows"] == len(delivery.records)
    assert truth["expected_quarantined"] == sum(r is not None for r in reasons)
    assert truth["expected_written"] == sum(r is None for r in reasons)
    assert truth["mess"]["duplicate"] == len(delivery.raw) - _distinct(delivery.raw)


def _by_reason(delivery: Delivery, entity: str, wanted: str) -> int:
    return _distinct(
        raw for raw, r in zip(delivery.raw, delivery.reasons(entity), strict=True) if r == wanted
    )


@pytest.fixture(scope="module")
def references(heavy_run) -> dict[str, set]:
    """The customer and agent ids that reach the warehouse (records not quarantined)."""
    customers = read_csv(heavy_run.bucket / CUSTOMERS_KEY, index_column=False).kept("customers")
    agents = read_agents(heavy_run.config.agents_path).kept("agents")
    return {"customers": {r["customer_id"] for r in customers}, "agents": {int(r["iD"]) for r in agents}}


def test_every_mess_is_injected(heavy_run):
    # Otherwise the count checks below could pass by counting nothing.
    entities = heavy_run.manifest["entities"]
    assert all(entities["customers"]["mess"].values()), entities["customers"]["mess"]
    assert all(entities["agents"]["mess"].values()), entities["agents"]["mess"]
    for entity in DAILY:
        totals = entities[entity]["totals"]
        assert all(totals["mess"].values()), (entity, totals["mess"])
        assert totals["orphan_customer_ids"] and totals["orphan_agent_ids"]
        assert totals["failed_days"] == []


def test_customers_truth(heavy_run):
    truth = heavy_run.manifest["entities"]["customers"]
    delivery = read_csv(heavy_run.bucket / CUSTOMERS_KEY, index_column=False)
    _common_counts("customers", delivery, truth)
    assert (delivery.bom, delivery.crlf) == (truth["bom"], truth["crlf"])
    kept = delivery.kept("customers")
    assert truth["distinct_ids"] == len({r["customer_id"] for r in kept})
    mess = truth["mess"]
    assert mess["bad_date"] == _by_reason(delivery, "customers", "date")
    assert mess["empty_id"] == _by_reason(delivery, "customers", "empty_id")
    assert mess["extra_fields"] == _distinct(raw for raw in delivery.raw if len(raw) > 7)
    assert mess["missing_fields"] == _distinct(raw for raw in delivery.raw if len(raw) < 7)
    kept_raw = {tuple(r.values()): r for r in kept}.values()
    assert mess["email_typo"] == sum(email_typo(r["email"]) for r in kept_raw)
    emails = [r["email"].strip() for r in kept_raw]
    assert mess["invalid_email"] == sum("@" not in e or e.endswith("@") or " " in e for e in emails)
    last_lines = [r["address"].rsplit("\n", 1)[-1] for r in kept_raw]
    assert mess["military_address"] == sum(bool(MILITARY_LINE.fullmatch(line)) for line in last_lines)
    assert mess["territory_address"] == sum(bool(TERRITORY_END.search(line)) for line in last_lines)


def test_agents_truth(heavy_run):
    truth = heavy_run.manifest["entities"]["agents"]
    delivery = read_agents(heavy_run.config.agents_path)
    _common_counts("agents", delivery, truth)
    assert truth["distinct_ids"] == len({r["iD"] for r in delivery.kept("agents")})
    assert truth["mess"]["bad_id"] == _by_reason(delivery, "agents", "integer")
    assert truth["mess"]["empty_id"] == _by_reason(delivery, "agents", "empty_id")
    kept = {r["iD"]: r for r in delivery.kept("agents")}.values()
    assert truth["mess"]["unknown_state"] == sum(r["state"] not in US_STATE_NAMES for r in kept)
    assert truth["mess"]["stray_whitespace_case"] == sum(r["experience"] not in EXPERIENCE for r in kept)
    assert all(r["experience"].strip().lower() in {e.lower() for e in EXPERIENCE} for r in kept)


@pytest.mark.parametrize("entity", DAILY)
def test_daily_truth(heavy_run, sources_pg, references, entity):
    id_column = ID_COLUMN[entity]
    start, end = (
        ("call_start_time", "call_end_time") if entity == "call-logs" else ("request_date", "resolution_date")
    )
    latest: dict[str, str] = {}  # id -> status (normalised) of its latest kept delivery so far
    orphan_customer_ids: set[str] = set()
    orphan_agent_ids: set[str] = set()
    for day, truth in heavy_run.days(entity).items():
        delivery = _read(heavy_run, entity, day, truth, sources_pg)
        _common_counts(entity, delivery, truth)
        assert (
            delivery.header[1 if entity != "social-media" else 0 :]
            == truth["header"][1 if entity != "social-media" else 0 :]
        )
        if entity == "call-logs":
            assert (delivery.bom, delivery.crlf) == (truth["bom"], truth["crlf"])
        mess = truth["mess"]
        assert mess["bad_timestamp"] == _by_reason(delivery, entity, "timestamp")
        assert mess["bad_agent_id"] == _by_reason(delivery, entity, "integer")
        assert mess["empty_id"] == _by_reason(delivery, entity, "empty_id")
        assert _by_reason(delivery, entity, "date") == 0
        if entity == "call-logs":
            width = len(truth["header"]) - 1
            assert mess["extra_fields"] == _distinct(raw for raw in delivery.raw if len(raw) > width)
            assert mess["missing_fields"] == _distinct(raw for raw in delivery.raw if len(raw) < width)

        kept = list({tuple(r.values()): r for r in delivery.kept(entity)}.values())  # distinct kept records
        if entity != "web-forms":  # pandas-written files: the whole agent ID column is floats, or none of it
            written = {r["agent ID"] for r in kept}
            floats = {isinstance(v, float) or (isinstance(v, str) and v.endswith(".0")) for v in written}
            assert floats == {truth["float_agent_ids"]}, (day, sorted(map(str, written))[:5])
        ids = [r[id_column] for r in kept]
        assert len(ids) == len(set(ids)) == truth["distinct_ids"]
        assert truth["new_ids"] == sum(i not in latest for i in ids)
        redelivered = [r for r in kept if r[id_column] in latest]
        assert mess["redelivered"] == len(redelivered)
        assert all(r["resolutionstatus"].strip().lower() != latest[r[id_column]] for r in redelivered)
        assert mess["orphan_customer"] == sum(r["customeR iD"] not in references["customers"] for r in kept)
        assert mess["orphan_agent"] == sum(integer(r["agent ID"]) not in references["agents"] for r in kept)
        assert mess["stray_whitespace_case"] == sum(
            r["COMPLAINT_catego ry"] not in COMPLAINT_CATEGORIES
            or r["resolutionstatus"] not in RESOLUTION_STATUSES
            for r in kept
        )
        assert mess["end_before_start"] == sum(r[end] != "" and r[end] < r[start] for r in kept)
        for r in kept:
            latest[r[id_column]] = r["resolutionstatus"].strip().lower()
            if r["customeR iD"] not in references["customers"]:
                orphan_customer_ids.add(r[id_column])
            if integer(r["agent ID"]) not in references["agents"]:
                orphan_agent_ids.add(r[id_column])

    totals = heavy_run.manifest["entities"][entity]["totals"]
    assert totals["distinct_ids"] == len(latest)
    assert totals["orphan_customer_ids"] == len(orphan_customer_ids)
    assert totals["orphan_agent_ids"] == len(orphan_agent_ids)
    days = heavy_run.days(entity).values()
    assert totals["rows"] == sum(d["rows"] for d in days)
    assert totals["expected_quarantined"] == sum(d["expected_quarantined"] for d in days)


def test_schema_drift_from_the_middle_day(heavy_run):
    for entity, column in (("call-logs", "satisfaction_score"), ("social-media", "sentiment")):
        days = heavy_run.days(entity)
        drifted = [d for d, t in days.items() if t["drift"]]
        assert drifted == sorted(days)[2:]  # four days: the last two
        assert heavy_run.manifest["entities"][entity]["totals"]["drift_from"] == drifted[0]
        for day, truth in days.items():
            assert (truth["header"][-1] == column) == (day in drifted)
    assert not any(t["drift"] for t in heavy_run.days("web-forms").values())
    last = max(heavy_run.days("call-logs"))
    assert read_csv(heavy_run.call_log(last), index_column=True).header[-1] == "satisfaction_score"
    assert read_json_columns(heavy_run.social_media(last)).header[-1] == "sentiment"


def test_float_agent_ids_vary_between_files(heavy_run):
    for entity in ("call-logs", "social-media"):
        days = heavy_run.days(entity)
        flagged = [d for d, t in days.items() if t["float_agent_ids"]]
        assert heavy_run.manifest["entities"][entity]["totals"]["float_agent_id_days"] == flagged
    flags = [t["float_agent_ids"] for e in ("call-logs", "social-media") for t in heavy_run.days(e).values()]
    assert set(flags) == {True, False}
    assert not any(t["float_agent_ids"] for t in heavy_run.days("web-forms").values())


def test_bom_and_crlf_vary_between_files(heavy_run):
    files = [heavy_run.manifest["entities"]["customers"], *heavy_run.days("call-logs").values()]
    assert {f["bom"] for f in files} == {True, False}
    assert {f["crlf"] for f in files} == {True, False}


def test_default_rates_run_clean(default_run):
    # The demo's defaults: messes present, but every day delivered and every extract able to succeed.
    for entity in DAILY:
        totals = default_run.manifest["entities"][entity]["totals"]
        assert totals["failed_days"] == []
        assert all(t["status"] == "delivered" for t in default_run.days(entity).values())
        assert 0 < totals["expected_quarantined"] < 0.1 * totals["rows"]
