"""The report page: one self-contained HTML document (inline CSS and SVG, nothing fetched) from the report data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from coretelecoms.report import charts
from coretelecoms.report.queries import DAYS_SHOWN, ReportData

CSS = """
:root { color-scheme: light; --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --card:#f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: #fff; }
header { padding: 24px 32px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 0 0 4px; }
.sub, .note { color: var(--muted); font-size: 12.5px; margin: 0 0 10px; }
main { padding: 8px 32px 32px; max-width: 1200px; }
section { overflow-x: auto; margin: 22px 0; padding: 16px 18px; border: 1px solid var(--line); border-radius: 8px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 18px 0; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.kpi b { display: block; font-size: 22px; } .kpi span { color: var(--muted); font-size: 12px; }
.chart { width: 100%; max-width: 760px; height: auto; display: block; }
.chart .grid { stroke: var(--line); } .chart .tick, .chart .value, .chart .axis { font-size: 11px; fill: var(--muted); }
.chart .label { font-size: 12px; fill: var(--ink); }
.legend { margin: 4px 0 8px 56px; font-size: 12px; color: var(--muted); }
.key { margin-right: 14px; white-space: nowrap; }
.key i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
table { border-collapse: collapse; font-size: 12.5px; margin-top: 8px; }
th, td { white-space: nowrap; padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; } th { color: var(--muted); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
.bad { color: #b91c1c; font-weight: 600; }
"""


RISK_COLOURS = {"high": "#dc2626", "medium": "#f59e0b", "low": "#10b981"}


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _share(part: Any, whole: Any) -> str:
    return f"{_num(part) / _num(whole):.1%}" if _num(whole) else "–"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) or type(value).__name__ == "Decimal":
        return f"{float(value):,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table; every value escaped."""
    rows = list(rows)
    if not rows:
        return charts.EMPTY
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def pseudonym(customer_id: str) -> str:
    """A short SHA-256 of the customer id: tells customers apart on the page, names nobody."""
    return hashlib.sha256(customer_id.encode()).hexdigest()[:12]


def _section(title: str, note: str, *parts: str) -> str:
    return f"<section><h2>{escape(title)}</h2><p class='note'>{escape(note)}</p>{''.join(parts)}</section>"


def _pivot(
    rows: list[dict], row_key: str, col_key: str, value: str
) -> tuple[list[str], dict[str, list[float]]]:
    labels = sorted({str(r[row_key]) for r in rows})
    columns = sorted({str(r[col_key]) for r in rows})
    series = {c: [0.0] * len(labels) for c in columns}
    for r in rows:
        series[str(r[col_key])][labels.index(str(r[row_key]))] += _num(r[value])
    return labels, series


def _kpis(data: ReportData) -> str:
    [head] = data["headline"] or [{}]
    trend = data["backlog_trend"]
    latest = trend[-1] if trend else {}
    cards = [
        ("complaints", _cell(head.get("complaints", 0))),
        ("resolved", _share(head.get("resolved"), head.get("complaints"))),
        ("open at latest delivery", _cell(latest.get("open_complaints"))),
        ("open past SLA", _cell(latest.get("open_over_sla"))),
        ("repeat contacts", _share(head.get("repeat_contacts"), head.get("known_customer_complaints"))),
        ("first-contact resolution", _share(head.get("first_contact_resolutions"), head.get("resolved"))),
    ]
    items = "".join(
        f"<div class='kpi'><b>{value}</b><span>{escape(name)}</span></div>" for name, value in cards
    )
    return f"<div class='kpis'>{items}</div>"


def _complaints(data: ReportData) -> str:
    labels, series = _pivot(data["complaints_per_day"], "day", "channel", "complaints")
    note = f"Complaints by the day they were requested, last {DAYS_SHOWN} days of data, by channel."
    return _section(
        "Complaints per day and channel", note, charts.stacked_bars(labels, series, "complaints per day")
    )


def _backlog(data: ReportData) -> str:
    trend = data["backlog_trend"]
    labels = [str(r["day"]) for r in trend]
    series = {
        "open": [_num(r["open_complaints"]) for r in trend],
        "open past SLA": [_num(r["open_over_sla"]) for r in trend],
        "resolved that day": [_num(r["resolved_complaints"]) for r in trend],
    }
    latest = table(
        ["category", "SLA days", "open", "past SLA", "0-1 d", "2-7 d", "8-30 d", "> 30 d"],
        ([r["complaint_category"], r["sla_days"], r["open_complaints"], r["open_over_sla"], r["age_0_1"],
          r["age_2_7"], r["age_8_30"], r["age_over_30"]] for r in data["backlog_latest"]),
    )  # fmt: skip
    note = "Open = requested by the day and not Resolved in the latest delivery by then; SLA per category."
    return _section("Backlog and SLA breaches", note, charts.lines(labels, series, "backlog per day"), latest)


def _resolution(data: ReportData) -> str:
    rows = [r for r in data["resolution_by_category"] if r["median_minutes"] is not None]
    bars = charts.hbars(
        [r["complaint_category"] for r in rows], [_num(r["median_minutes"]) / 60 for r in rows],
        "median resolution hours", unit=" h",
    )  # fmt: skip
    detail = table(
        ["category", "complaints", "resolved", "median h", "mean h"],
        ([r["complaint_category"], r["complaints"], r["resolved"], _hours(r["median_minutes"]),
          _hours(r["mean_minutes"])] for r in data["resolution_by_category"]),
    )  # fmt: skip
    return _section(
        "Resolution time by category", "Median hours from request to resolution, resolved only.", bars, detail
    )


def _agents(data: ReportData) -> str:
    points = [
        (_num(r["complaints"]), _num(r["resolution_rate"]),
         f"agent {r['agent_id']} ({r['experience_level']}): {r['complaints']} complaints, "
         f"{_num(r['resolution_rate']):.0%} resolved", str(r["experience_level"] or "Unknown"))
        for r in data["agent_workload"]
    ]  # fmt: skip
    plot = charts.scatter(points, "agent workload against resolution rate", "complaints handled", "resolved")
    return _section(
        "Agent workload against resolution rate", "One point per known agent, coloured by experience.", plot
    )


def _repeats(data: ReportData) -> str:
    rows = data["repeat_by_channel"]
    bars = charts.hbars(
        [r["channel"] for r in rows], [_num(r["repeat_rate"]) for r in rows], "repeat rate", percent=True
    )
    detail = table(
        ["channel", "complaints", "repeat rate", "resolved", "first-contact resolution"],
        ([r["channel"], r["complaints"], f"{_num(r['repeat_rate']):.1%}", r["resolved"],
          _share(r["first_contact_resolutions"], r["resolved"])] for r in rows),
    )  # fmt: skip
    note = "Repeat = same customer, same category, again within 7 days (any channel); known customers only."
    return _section("Repeat contacts", note, bars, detail)


def _risk(data: ReportData) -> str:
    top = table(
        ["customer (hashed)", "week", "score", "risk", "complaints", "open", "repeats 30 d", "days since last"],
        ([pseudonym(str(r["customer_id"])), r["week_start"], r["churn_risk_score"], r["churn_risk"],
          r["complaints_to_date"], r["open_complaints"], r["repeat_contacts_last_30_days"],
          r["days_since_last_complaint"]] for r in data["top_risk"]),
    )  # fmt: skip
    labels, series = _pivot(data["risk_by_week"], "week_start", "churn_risk", "customers")
    ordered = {k: series[k] for k in ("high", "medium", "low") if k in series}
    note = "Latest week's churn-risk score (only data known that week); ids are SHA-256 prefixes."
    bars = charts.stacked_bars(
        labels, ordered, "customers by risk", colors=[RISK_COLOURS[k] for k in ordered]
    )
    return _section("Customers at highest risk", note, top, bars)


def _quality(data: ReportData) -> str:
    rows = data["data_quality"]
    latest: dict[str, dict] = {}
    for r in rows:
        latest[r["entity"]] = r  # ordered by day: the last one wins
    detail = table(
        ["source", "day", "manifest", "read", "written", "quarantined", "share", "top reason", "drift",
         "unknown customer", "unknown agent", "unknown category"],
        ([r["entity"], r["ingest_date"], r["has_manifest"], r["rows_read"], r["rows_written"], r["rows_quarantined"],
          _pct(r["quarantine_share"]), r["top_quarantine_reason"], r["drift_columns"] if r["has_drift"] else None,
          _pct(r["unknown_customer_share"]), _pct(r["unknown_agent_share"]), _pct(r["unknown_category_share"])]
         for r in latest.values()),
    )  # fmt: skip
    labels, series = _pivot(rows, "ingest_date", "entity", "quarantine_share")
    chart = (
        charts.lines(labels, series, "quarantine share per day")
        if any(any(v) for v in series.values())
        else ""
    )
    note = "From the extract manifests: the latest delivery per source, then quarantine share per day."
    return _section("Data quality per source", note, detail, chart)


def _hours(minutes: Any) -> float | None:
    return None if minutes is None else float(minutes) / 60


def _pct(value: Any) -> str | None:
    return None if value is None else f"{float(value):.1%}"


def render(data: ReportData, warehouse: str) -> str:
    """The whole page as one string."""
    [head] = data["headline"] or [{}]
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sub = f"Latest delivery {head.get('latest_delivery') or '–'} · warehouse {warehouse} · generated {generated}"
    sections = [_complaints, _backlog, _resolution, _agents, _repeats, _risk, _quality]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        # An empty data: icon, so the browser does not go looking for /favicon.ico.
        "<link rel='icon' href='data:,'>"
        f"<title>Core Telecoms - Customer Success report</title><style>{CSS}</style></head><body>"
        f"<header><h1>Core Telecoms · Customer Success</h1><p class='sub'>{escape(sub)}</p></header>"
        f"<main>{_kpis(data)}{''.join(section(data) for section in sections)}</main></body></html>"
    )
