"""The report's questions as SQL over the marts; plain SQL that DuckDB and Snowflake both read."""

from __future__ import annotations

from dataclasses import dataclass

from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.report.warehouse import Reader, Rows

# How far back the day-by-day charts look, counted back from the latest day in the data.
DAYS_SHOWN = 30
TOP_CUSTOMERS = 15

QUERIES: dict[str, str] = {
    "headline": """
        select
            count(*) as complaints,
            count(case when is_resolved then 1 end) as resolved,
            count(case when is_repeat_contact then 1 end) as repeat_contacts,
            count(case when is_first_contact_resolution then 1 end) as first_contact_resolutions,
            count(case when has_known_customer then 1 end) as known_customer_complaints,
            count(distinct case when has_known_customer then customer_id end) as customers,
            min(complaint_date) as first_day,
            max(_ingest_date) as latest_delivery
        from marts.fct_complaints
    """,
    "complaints_per_day": f"""
        select complaint_date as day, channel, count(*) as complaints
        from marts.fct_complaints
        where complaint_date > (select max(complaint_date) from marts.fct_complaints) - {DAYS_SHOWN}
        group by complaint_date, channel
        order by complaint_date, channel
    """,
    "backlog_trend": """
        select
            snapshot_date as day,
            sum(open_complaints) as open_complaints,
            sum(open_over_sla) as open_over_sla,
            sum(new_complaints) as new_complaints,
            sum(resolved_complaints) as resolved_complaints
        from marts.backlog_daily
        group by snapshot_date
        order by snapshot_date
    """,
    "backlog_latest": """
        select
            complaint_category,
            max(sla_days) as sla_days,
            sum(open_complaints) as open_complaints,
            sum(open_over_sla) as open_over_sla,
            sum(open_age_0_1_days) as age_0_1,
            sum(open_age_2_7_days) as age_2_7,
            sum(open_age_8_30_days) as age_8_30,
            sum(open_age_over_30_days) as age_over_30
        from marts.backlog_daily
        where snapshot_date = (select max(snapshot_date) from marts.backlog_daily)
        group by complaint_category
        order by complaint_category
    """,
    "resolution_by_category": """
        select
            complaint_category,
            count(*) as complaints,
            count(case when is_resolved then 1 end) as resolved,
            median(case when is_resolved then resolution_minutes end) as median_minutes,
            avg(case when is_resolved then resolution_minutes end) as mean_minutes
        from marts.fct_complaints
        group by complaint_category
        order by complaint_category
    """,
    "agent_workload": """
        select
            complaints.agent_id,
            agents.experience_level,
            count(*) as complaints,
            avg(case when complaints.is_resolved then 1.0 else 0.0 end) as resolution_rate
        from marts.fct_complaints as complaints
        left join marts.dim_agents as agents
            on complaints.agent_id = agents.agent_id
        where complaints.has_known_agent
        group by complaints.agent_id, agents.experience_level
        order by complaints.agent_id
    """,
    "repeat_by_channel": """
        select
            channel,
            count(*) as complaints,
            avg(case when is_repeat_contact then 1.0 else 0.0 end) as repeat_rate,
            count(case when is_resolved then 1 end) as resolved,
            count(case when is_first_contact_resolution then 1 end) as first_contact_resolutions
        from marts.fct_complaints
        where has_known_customer
        group by channel
        order by channel
    """,
    "top_risk": f"""
        select
            customer_id, week_start, churn_risk_score, churn_risk, complaints_to_date, open_complaints,
            repeat_contacts_last_30_days, days_since_last_complaint
        from marts.customer_health_weekly
        where week_start = (select max(week_start) from marts.customer_health_weekly)
            and churn_risk_score > 0
        order by churn_risk_score desc, complaints_to_date desc, customer_id
        limit {TOP_CUSTOMERS}
    """,
    "risk_by_week": """
        select week_start, churn_risk, count(*) as customers
        from marts.customer_health_weekly
        group by week_start, churn_risk
        order by week_start, churn_risk
    """,
    "data_quality": """
        select
            entity, ingest_date, has_manifest, rows_read, rows_written, rows_quarantined, quarantine_share,
            top_quarantine_reason, drift_columns, has_drift, complaints_delivered, unknown_customer_share,
            unknown_agent_share, unknown_category_share
        from marts.data_quality_daily
        order by entity, ingest_date
    """,
}


@dataclass(frozen=True)
class ReportData:
    """Every query's rows, by query name."""

    results: dict[str, Rows]

    def __getitem__(self, name: str) -> Rows:
        return self.results[name]


def collect(reader: Reader) -> ReportData:
    """Run every report query.

    Raises:
        PipelineError: a query failed, typically because the marts are not built yet.
    """
    results: dict[str, Rows] = {}
    for name, sql in QUERIES.items():
        try:
            results[name] = reader.rows(sql)
        except Exception as exc:  # any driver's error: one line, and what to do about it
            raise PipelineError(
                f"report query {name} failed: {first_line(exc, 160)}; are the marts built? "
                "run `coretelecoms transform` (a new column needs `--full-refresh`)"
            ) from exc
    return ReportData(results)
