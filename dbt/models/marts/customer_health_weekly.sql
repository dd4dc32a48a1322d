{#-
    Customer health over time (issue 14.3): one row per known customer and ISO week (week_start, a
    Monday) from the week of the customer's first complaint to the week of the latest delivery.
    Every figure of a week counts only what had been delivered by that week's end (as_of_date, the
    Sunday, or the latest delivery for the week in progress), so a week's churn-risk score is what
    could have been computed then: the series can be back-tested against later churn.

    churn_risk_score (0-100), deliberately explainable: 15 per open complaint (up to 2), 15 per repeat
    contact in the last 30 days (up to 2), 10 per complaint in the last 30 days (up to 3), and 10 for
    complaining through more than one channel in those 30 days. high >= 60, medium >= 30.

    Incremental: only weeks that hold or follow a delivery loaded since the last build are
    recomputed (macro cs_rebuild_from); a closed week keeps what was known at its end.
-#}
{{ config(materialized='incremental', unique_key='customer_week_key', meta={'publish': 'rows_built'}) }}

{%- set week_of = "cast(" ~ dbt.dateadd('day', "1 - " ~ iso_day_of_week('{d}'), '{d}') ~ " as date)" %}

with

complaints as (

    select
        fct.complaint_key,
        fct.customer_id,
        fct.channel,
        fct.complaint_date,
        fct.is_repeat_contact
    from {{ ref('fct_complaints') }} as fct
    where fct.has_known_customer

),

history as (

    select * from {{ ref('int_complaint_status_history') }}

),

known as (

    -- Each complaint with the day it was first delivered: before that day nobody knew of it.
    select complaints.*, firsts.first_delivered_date
    from complaints
    inner join (
        select distinct complaint_key, first_delivered_date from history
    ) as firsts
        on complaints.complaint_key = firsts.complaint_key

),

deliveries as (

    select status_date as snapshot_date, max(_loaded_at) as loaded_at
    from history
    group by status_date

),

latest as (

    select max(snapshot_date) as latest_delivery, max(loaded_at) as source_loaded_at from deliveries

),

weeks as (

    select distinct {{ week_of | replace('{d}', 'date_day') }} as week_start
    from {{ ref('dim_date') }}
    where date_day <= (select latest_delivery from latest)

),

customer_weeks as (

    select
        firsts.customer_id,
        weeks.week_start,
        case
            when {{ dbt.dateadd('day', 6, 'weeks.week_start') }} < latest.latest_delivery
                then cast({{ dbt.dateadd('day', 6, 'weeks.week_start') }} as date)
            else latest.latest_delivery
        end as as_of_date,
        latest.source_loaded_at
    from (
        select customer_id, {{ week_of | replace('{d}', 'min(complaint_date)') }} as first_week
        from known
        group by customer_id
    ) as firsts
    cross join latest
    inner join weeks
        on weeks.week_start >= firsts.first_week
    {%- if is_incremental() %}
    where weeks.week_start >= {{ week_of | replace('{d}', cs_rebuild_from('deliveries')) }}
    {%- endif %}

),

seen as (

    -- A customer's complaints as known at the end of each week.
    select
        customer_weeks.customer_id,
        customer_weeks.week_start,
        customer_weeks.as_of_date,
        known.complaint_key,
        known.channel,
        known.complaint_date,
        known.is_repeat_contact,
        known.complaint_date >= customer_weeks.week_start as in_week,
        known.complaint_date > {{ dbt.dateadd('day', -30, 'customer_weeks.as_of_date') }} as in_last_30_days
    from customer_weeks
    inner join known
        on known.customer_id = customer_weeks.customer_id
        and known.complaint_date <= customer_weeks.as_of_date
        and known.first_delivered_date <= customer_weeks.as_of_date

),

open_at_end as (

    select seen.customer_id, seen.week_start, count(*) as open_complaints
    from seen
    inner join history
        on history.complaint_key = seen.complaint_key
        and history.status_date <= seen.as_of_date
        and (history.next_status_date is null or seen.as_of_date < history.next_status_date)
    where history.resolution_status <> 'Resolved'
    group by seen.customer_id, seen.week_start

),

weekly as (

    select
        customer_id,
        week_start,
        count(case when in_week then 1 end) as complaints,
        count(case when in_week and is_repeat_contact then 1 end) as repeat_contacts,
        count(distinct case when in_week then channel end) as channels_used,
        count(*) as complaints_to_date,
        count(case when in_last_30_days then 1 end) as complaints_last_30_days,
        count(case when in_last_30_days and is_repeat_contact then 1 end) as repeat_contacts_last_30_days,
        count(distinct case when in_last_30_days then channel end) as channels_last_30_days,
        max(complaint_date) as last_complaint_date
    from seen
    group by customer_id, week_start

),

scored as (

    select
        customer_weeks.customer_id,
        customer_weeks.week_start,
        customer_weeks.as_of_date,
        coalesce(weekly.complaints, 0) as complaints,
        coalesce(open_at_end.open_complaints, 0) as open_complaints,
        coalesce(weekly.repeat_contacts, 0) as repeat_contacts,
        coalesce(weekly.channels_used, 0) as channels_used,
        coalesce(weekly.complaints_to_date, 0) as complaints_to_date,
        coalesce(weekly.complaints_last_30_days, 0) as complaints_last_30_days,
        coalesce(weekly.repeat_contacts_last_30_days, 0) as repeat_contacts_last_30_days,
        weekly.last_complaint_date,
        {{ dbt.datediff('weekly.last_complaint_date', 'customer_weeks.as_of_date', 'day') }}
            as days_since_last_complaint,
        15 * least(coalesce(open_at_end.open_complaints, 0), 2)
            + 15 * least(coalesce(weekly.repeat_contacts_last_30_days, 0), 2)
            + 10 * least(coalesce(weekly.complaints_last_30_days, 0), 3)
            + case when coalesce(weekly.channels_last_30_days, 0) > 1 then 10 else 0 end
            as churn_risk_score,
        customer_weeks.source_loaded_at

    from customer_weeks
    left join weekly
        on customer_weeks.customer_id = weekly.customer_id
        and customer_weeks.week_start = weekly.week_start
    left join open_at_end
        on customer_weeks.customer_id = open_at_end.customer_id
        and customer_weeks.week_start = open_at_end.week_start

),

final as (

    select
        {{ dbt.hash("customer_id || '|' || cast(week_start as " ~ dbt.type_string() ~ ")") }} as customer_week_key,
        customer_id,
        week_start,
        as_of_date,
        complaints,
        open_complaints,
        repeat_contacts,
        channels_used,
        complaints_to_date,
        complaints_last_30_days,
        repeat_contacts_last_30_days,
        last_complaint_date,
        days_since_last_complaint,
        churn_risk_score,
        case
            when churn_risk_score >= 60 then 'high'
            when churn_risk_score >= 30 then 'medium'
            else 'low'
        end as churn_risk,
        source_loaded_at,
        {{ build_timestamp() }} as _built_at
    from scored

)

select * from final
