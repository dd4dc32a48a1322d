-- One row per known customer: their complaint history and the churn-risk signals Customer Success
-- watches. Windows count back from the latest delivery in the data (or var as_of_date), so a
-- backfill or a re-run gives the same answer whatever day it runs on. Lifetime totals come from
-- int_customer_complaint_totals (incremental), the windows from the last 90 days of complaints.
with

customers as (

    select * from {{ ref('dim_customers') }}
    where not is_unknown_member

),

complaints as (

    select * from {{ ref('fct_complaints') }}
    where has_known_customer

),

as_of as (

    select
        {%- if var('as_of_date') %}
        cast('{{ var("as_of_date") }}' as date) as as_of_date
        {%- else %}
        max(_ingest_date) as as_of_date
        {%- endif %}
    from {{ ref('fct_complaints') }}

),

totals as (

    select * from {{ ref('int_customer_complaint_totals') }}

),

recent as (

    -- Only the last 90 days count toward the windows: a bounded scan, however long the history.
    select
        complaints.customer_id,
        count(case
            when complaints.complaint_date > {{ dbt.dateadd('day', -30, 'as_of.as_of_date') }} then 1
        end) as complaints_last_30_days,
        count(*) as complaints_last_90_days

    from complaints
    cross join as_of
    where complaints.complaint_date > {{ dbt.dateadd('day', -90, 'as_of.as_of_date') }}
        and complaints.complaint_date <= as_of.as_of_date
    group by complaints.customer_id

),

history as (

    select
        totals.*,
        recent.complaints_last_30_days,
        recent.complaints_last_90_days
    from totals
    left join recent
        on totals.customer_id = recent.customer_id

),

final as (

    select
        customers.customer_id,
        customers.signup_date,
        as_of.as_of_date,
        coalesce(history.total_complaints, 0) as total_complaints,
        history.first_complaint_date,
        history.last_complaint_date,
        {{ dbt.datediff('history.last_complaint_date', 'as_of.as_of_date', 'day') }} as days_since_last_complaint,
        coalesce(history.complaints_last_30_days, 0) as complaints_last_30_days,
        coalesce(history.complaints_last_90_days, 0) as complaints_last_90_days,
        coalesce(history.unresolved_complaints, 0) as unresolved_complaints,
        coalesce(history.channels_used, 0) as channels_used,
        coalesce(history.used_call_center, false) as used_call_center,
        coalesce(history.used_social_media, false) as used_social_media,
        coalesce(history.used_web_form, false) as used_web_form,
        coalesce(history.distinct_categories, 0) as distinct_categories,
        cast(history.avg_resolution_minutes as numeric(18, 2)) as avg_resolution_minutes,
        -- A deliberately simple, explainable rule: repeated recent complaints or several left
        -- open are what precede churn in Customer Success' experience.
        case
            when coalesce(history.complaints_last_30_days, 0) >= 3
                or coalesce(history.unresolved_complaints, 0) >= 2 then 'high'
            when coalesce(history.complaints_last_90_days, 0) >= 2
                or coalesce(history.unresolved_complaints, 0) >= 1 then 'medium'
            else 'low'
        end as churn_risk

    from customers
    cross join as_of
    left join history
        on customers.customer_id = history.customer_id

)

select * from final
