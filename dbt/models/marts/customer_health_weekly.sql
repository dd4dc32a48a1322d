{#-
    Customer health over time (issue 14.3): one row per known customer and ISO week (week_start, a
    Monday) from the week of the customer's first complaint to the week of the latest delivery.
    Every figure of a week counts only what had been delivered by that week's end (as_of_date, the
    Sunday, or the latest delivery for the week in progress), so a week's churn-risk score is what
    could have been computed then: the series can be back-tested against later churn.

    churn_risk_score (0-100), deliberately explainable: 15 per open complaint (up to 2), 15 per repeat
    contact in the last 30 days (up to 2), 10 per complaint in the last 30 days (up to 3), and 10 for
    complaining through more than one channel in those 30 days. high >= 60, medium >= 30.

    Incremental, at the cost of the window, not the history (issue 10): only weeks that hold or follow
    a delivery loaded since the last build are recomputed (from rebuilt_from, a Monday; macro
    cs_rebuild_week), and each from the stored row of the week before it, which already holds
    everything known by that Sunday - the complaints to date, the latest complaint day and the open
    complaints. A rebuilt week reads only the complaints that can change it: those of the 30 days
    before rebuilt_from, those delivered since, and their status deliveries of that span. A closed
    week keeps what was known at its end.
-#}
{{ config(materialized='incremental', unique_key='customer_week_key', meta={'publish': 'rows_built'},
          post_hook="{{ forget_departed_customers() }}") }}

-- depends_on: {{ ref('dim_customers') }}  (read by the post-hook)

{%- set week_of = "cast(" ~ dbt.dateadd('day', "1 - " ~ iso_day_of_week('{d}'), '{d}') ~ " as date)" %}
{%- set history_model = ref('int_complaint_status_history') %}
{#- A literal, so that the warehouse skips the blocks of older history before it reads them. #}
{%- set rebuilt_from = cs_rebuild_week(history_model, week_of) %}
{#- Dates, not timestamps: compared as they are, the columns' min/max skip the older blocks. #}
{%- set window_from = 'cast(' ~ dbt.dateadd('day', -30, rebuilt_from) ~ ' as date)' %}
{%- set week_before = 'cast(' ~ dbt.dateadd('day', -7, rebuilt_from) ~ ' as date)' %}

with

complaints as (

    -- The complaints a rebuilt week can count: requested in the 30 days before rebuilt_from or later,
    -- or delivered since it. Any other complaint was known, with its final status, before
    -- rebuilt_from began, and is in the stored figures the rebuilt weeks start from.
    -- Two scans rather than one with an OR, so that each condition skips the blocks of older history.
    {%- for condition in ['fct.complaint_date > ' ~ window_from,
                          'fct._ingest_date >= ' ~ rebuilt_from ~ ' and (fct.complaint_date is null or fct.complaint_date <= ' ~ window_from ~ ')'] %}
    select
        fct.complaint_key,
        fct.customer_id,
        fct.channel,
        fct.complaint_date,
        fct.is_repeat_contact,
        fct.resolution_status as latest_status
    from {{ ref('fct_complaints') }} as fct
    where fct.has_known_customer and {{ condition }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

recent_history as (

    -- Status deliveries of the same span: the status of those complaints on any day from rebuilt_from on.
    select complaint_key, status_date, next_status_date, resolution_status, previous_status, first_delivered_date
    from {{ history_model }}
    where status_date > {{ window_from }}

),

firsts as (

    select
        complaint_key,
        min(first_delivered_date) as first_delivered_date,
        min(status_date) as first_recent_status_date
    from recent_history
    group by complaint_key

),

status_on_eve as (

    -- The delivery of each complaint alive on the eve of rebuilt_from.
    select complaint_key, resolution_status
    from recent_history
    where status_date < {{ rebuilt_from }}
        and coalesce(next_status_date, cast('9999-12-31' as date)) >= {{ rebuilt_from }}

),

known as (

    -- Each complaint with the day it became known: the later of its request day and its first
    -- delivery. One without a delivery in the span was delivered before it, so known when requested.
    -- Its status on a day of the span: the delivery alive that day; before its first delivery in
    -- the span, the one before that (previous_status); without any in the span, its latest.
    select
        complaint_key,
        customer_id,
        channel,
        complaint_date,
        is_repeat_contact,
        known_from,
        -- Open on the eve of rebuilt_from, so counted in the carried figure.
        known_from < {{ rebuilt_from }}
            and coalesce(status_on_eve, status_before_span, latest_status) <> 'Resolved' as was_open_on_eve,
        -- Open on a day of the span on which no delivery of it is alive.
        coalesce(status_before_span, latest_status) <> 'Resolved' as open_between_deliveries
    from (
        select
            complaints.*,
            on_eve.resolution_status as status_on_eve,
            before_span.previous_status as status_before_span,
            greatest(complaints.complaint_date, coalesce(firsts.first_delivered_date, complaints.complaint_date))
                as known_from
        from complaints
        left join firsts
            on complaints.complaint_key = firsts.complaint_key
        left join recent_history as before_span
            on before_span.complaint_key = firsts.complaint_key
            and before_span.status_date = firsts.first_recent_status_date
        left join status_on_eve as on_eve
            on on_eve.complaint_key = complaints.complaint_key
    ) as with_status

),

deliveries as (

    -- The latest delivery and load are among those since rebuilt_from: it is the Monday of the
    -- earliest delivery loaded since the last build, so nothing before it is newer.
    select status_date as snapshot_date, max(_loaded_at) as loaded_at
    from {{ history_model }}
    where status_date >= {{ rebuilt_from }}
    group by status_date

),

latest as (

    select max(snapshot_date) as latest_delivery, max(loaded_at) as source_loaded_at from deliveries

),

weeks as (

    select distinct {{ week_of | replace('{d}', 'date_day') }} as week_start
    from {{ ref('dim_date') }}
    where date_day <= (select latest_delivery from latest)
        and date_day >= {{ rebuilt_from }}

),

carried as (

    -- What the week before rebuilt_from knew by its Sunday (stored; nothing on a full build).
    {%- if is_incremental() %}
    select customer_id, complaints_to_date, last_complaint_date, open_complaints
    from {{ this }}
    where week_start = {{ week_before }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_bigint() }}) as complaints_to_date,
        cast(null as date) as last_complaint_date,
        cast(null as {{ dbt.type_bigint() }}) as open_complaints
    from (select 1 as nothing) as no_stored_rows
    where 1 = 0
    {%- endif %}

),

week_ends as (

    -- Each rebuilt week's as_of_date: its Sunday, or the latest delivery for the week in progress.
    select
        weeks.week_start,
        case
            when {{ dbt.dateadd('day', 6, 'weeks.week_start') }} < latest.latest_delivery
                then cast({{ dbt.dateadd('day', 6, 'weeks.week_start') }} as date)
            else latest.latest_delivery
        end as as_of_date,
        latest.source_loaded_at
    from weeks
    cross join latest

),

customer_weeks as (

    -- Every customer with a complaint, each week from the week of their first one (or rebuilt_from).
    select
        firsts.customer_id,
        week_ends.week_start,
        week_ends.as_of_date,
        week_ends.source_loaded_at
    from (
        select customer_id, min(first_week) as first_week
        from (
            select customer_id, {{ week_of | replace('{d}', 'complaint_date') }} as first_week from known
            union all
            select customer_id, {{ week_before }} from carried
        ) as starts
        group by customer_id
    ) as firsts
    inner join week_ends
        on week_ends.week_start >= firsts.first_week

),

-- Looked up for the few days that matter, each rebuilt week's as_of_date, so the join is on equal keys.

status_at_end as (

    select recent_history.complaint_key, ends.as_of_date, recent_history.resolution_status <> 'Resolved' as is_open
    from recent_history
    inner join week_ends as ends
        on recent_history.status_date <= ends.as_of_date
        and coalesce(recent_history.next_status_date, cast('9999-12-31' as date)) > ends.as_of_date

),

seen as (

    -- Each rebuilt customer-week's complaints known by its as_of_date.
    select
        customer_weeks.customer_id,
        customer_weeks.week_start,
        known.channel,
        known.complaint_date,
        known.is_repeat_contact,
        known.known_from >= {{ rebuilt_from }} as known_from_rebuilt,
        known.complaint_date >= customer_weeks.week_start as in_week,
        known.complaint_date > {{ dbt.dateadd('day', -30, 'customer_weeks.as_of_date') }} as in_last_30_days,
        coalesce(at_end.is_open, known.open_between_deliveries) as is_open_at_end,
        known.was_open_on_eve
    from customer_weeks
    inner join known
        on known.customer_id = customer_weeks.customer_id
        and known.known_from <= customer_weeks.as_of_date
    left join status_at_end as at_end
        on at_end.complaint_key = known.complaint_key
        and at_end.as_of_date = customer_weeks.as_of_date

),

weekly as (

    select
        customer_id,
        week_start,
        count(case when in_week then 1 end) as complaints,
        count(case when in_week and is_repeat_contact then 1 end) as repeat_contacts,
        {{ channels_counted('in_week') }} as channels_used,
        -- Complaints known before rebuilt_from are in the carried figures.
        count(case when known_from_rebuilt then 1 end) as complaints_since_rebuilt,
        count(case when in_last_30_days then 1 end) as complaints_last_30_days,
        count(case when in_last_30_days and is_repeat_contact then 1 end) as repeat_contacts_last_30_days,
        {{ channels_counted('in_last_30_days') }} as channels_last_30_days,
        max(complaint_date) as last_complaint_date,
        count(case when is_open_at_end then 1 end) - count(case when was_open_on_eve then 1 end) as open_change
    from seen
    group by customer_id, week_start

),

scored as (

    select
        customer_weeks.customer_id,
        customer_weeks.week_start,
        customer_weeks.as_of_date,
        coalesce(weekly.complaints, 0) as complaints,
        coalesce(carried.open_complaints, 0) + coalesce(weekly.open_change, 0) as open_complaints,
        coalesce(weekly.repeat_contacts, 0) as repeat_contacts,
        coalesce(weekly.channels_used, 0) as channels_used,
        coalesce(weekly.complaints_since_rebuilt, 0) + coalesce(carried.complaints_to_date, 0) as complaints_to_date,
        coalesce(weekly.complaints_last_30_days, 0) as complaints_last_30_days,
        coalesce(weekly.repeat_contacts_last_30_days, 0) as repeat_contacts_last_30_days,
        greatest(
            coalesce(weekly.last_complaint_date, carried.last_complaint_date),
            coalesce(carried.last_complaint_date, weekly.last_complaint_date)
        ) as last_complaint_date,
        coalesce(weekly.channels_last_30_days, 0) as channels_last_30_days,
        customer_weeks.source_loaded_at

    from customer_weeks
    left join weekly
        on customer_weeks.customer_id = weekly.customer_id
        and customer_weeks.week_start = weekly.week_start
    left join carried
        on customer_weeks.customer_id = carried.customer_id

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
    from (
        select
            scored.*,
            15 * least(open_complaints, 2)
                + 15 * least(repeat_contacts_last_30_days, 2)
                + 10 * least(complaints_last_30_days, 3)
                + case when channels_last_30_days > 1 then 10 else 0 end
                as churn_risk_score
        from scored
    ) as with_score

)

select * from final
