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
{{ config(materialized='incremental', unique_key='customer_week_key', meta={'publish': 'rows_built'},
          post_hook="{{ forget_departed_customers() }}") }}

-- depends_on: {{ ref('dim_customers') }}  (read by the post-hook)

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

    -- Each complaint with the day it was first delivered (before that day nobody knew of it) and
    -- the day it became known: the later of the two.
    select
        complaints.*,
        firsts.first_delivered_date,
        greatest(complaints.complaint_date, firsts.first_delivered_date) as known_from
    from complaints
    inner join (
        select complaint_key, min(first_delivered_date) as first_delivered_date
        from history
        group by complaint_key
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

rebuilt as (

    -- The first week this build recomputes: a full build all of them.
    select {{ week_of | replace('{d}', cs_rebuild_from('deliveries')) }} as week_start

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
    where weeks.week_start >= (select week_start from rebuilt)

),

-- Why the figures are split by age: a rebuilt week needs each customer's last 30 days in detail,
-- but of everything older only a count and a latest date, summed once per customer. A week's
-- figures thus cost the window, not the customer's whole history.

before_rebuilt as (

    -- What was known before the first rebuilt week began, per customer.
    select customer_id, count(*) as complaints, max(complaint_date) as last_complaint_date
    from known
    where known_from < (select week_start from rebuilt)
    group by customer_id

),

seen as (

    -- Each rebuilt customer-week's complaints that became known from its first rebuilt week on,
    -- as known at the week's end.
    select
        customer_weeks.customer_id,
        customer_weeks.week_start,
        known.channel,
        known.complaint_date,
        known.is_repeat_contact,
        known.known_from >= (select week_start from rebuilt) as known_from_rebuilt,
        known.complaint_date >= customer_weeks.week_start as in_week,
        known.complaint_date > {{ dbt.dateadd('day', -30, 'customer_weeks.as_of_date') }} as in_last_30_days
    from customer_weeks
    inner join known
        on known.customer_id = customer_weeks.customer_id
        and known.known_from <= customer_weeks.as_of_date
        and (known.known_from >= (select week_start from rebuilt)
             or known.complaint_date > {{ dbt.dateadd('day', -30, 'customer_weeks.week_start') }})

),

open_at_end as (

    select customer_weeks.customer_id, customer_weeks.week_start, count(*) as open_complaints
    from history
    inner join known
        on known.complaint_key = history.complaint_key
    inner join customer_weeks
        on customer_weeks.customer_id = known.customer_id
        and known.known_from <= customer_weeks.as_of_date
        and history.status_date <= customer_weeks.as_of_date
        and (history.next_status_date is null or customer_weeks.as_of_date < history.next_status_date)
    where history.resolution_status <> 'Resolved'
        and (history.next_status_date is null or history.next_status_date > (select week_start from rebuilt))
    group by customer_weeks.customer_id, customer_weeks.week_start

),

weekly as (

    select
        seen.customer_id,
        seen.week_start,
        count(case when in_week then 1 end) as complaints,
        count(case when in_week and is_repeat_contact then 1 end) as repeat_contacts,
        {{ channels_counted('in_week') }} as channels_used,
        -- Complaints known before the first rebuilt week are counted once, in before_rebuilt.
        count(case when known_from_rebuilt then 1 end) as complaints_since_rebuilt,
        count(case when in_last_30_days then 1 end) as complaints_last_30_days,
        count(case when in_last_30_days and is_repeat_contact then 1 end) as repeat_contacts_last_30_days,
        {{ channels_counted('in_last_30_days') }} as channels_last_30_days,
        max(complaint_date) as last_complaint_date
    from seen
    group by seen.customer_id, seen.week_start

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
        coalesce(weekly.complaints_since_rebuilt, 0) + coalesce(before_rebuilt.complaints, 0) as complaints_to_date,
        coalesce(weekly.complaints_last_30_days, 0) as complaints_last_30_days,
        coalesce(weekly.repeat_contacts_last_30_days, 0) as repeat_contacts_last_30_days,
        greatest(
            coalesce(weekly.last_complaint_date, before_rebuilt.last_complaint_date),
            coalesce(before_rebuilt.last_complaint_date, weekly.last_complaint_date)
        ) as last_complaint_date,
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
    left join before_rebuilt
        on customer_weeks.customer_id = before_rebuilt.customer_id

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
        {{ dbt.datediff('last_complaint_date', 'as_of_date', 'day') }} as days_since_last_complaint,
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
