{#-
    Each known customer's lifetime complaint totals, for customer_complaint_history. Incremental
    (issue 10): a build recomputes only the customers whose complaints fct_complaints rewrote, each
    over all of that customer's complaints - the day's customers, not every customer's history.
    (A re-delivery that moves a complaint to another customer leaves the first one's totals until a
    --full-refresh; orphans that become known move from the unknown member, which has no totals.)
-#}
{{ config(materialized='incremental', unique_key='customer_id', post_hook="{{ forget_departed_customers() }}") }}

-- depends_on: {{ ref('dim_customers') }}  (read by the post-hook)

with

complaints as (

    select * from {{ ref('fct_complaints') }}
    where has_known_customer
    {%- if is_incremental() %}
        and customer_id in (
            select customer_id from {{ ref('fct_complaints') }}
            where _built_at > {{ built_watermark() }}
        )
    {%- endif %}

),

totals as (

    select
        customer_id,
        count(*) as total_complaints,
        min(complaint_date) as first_complaint_date,
        max(complaint_date) as last_complaint_date,
        count(case when not is_resolved then 1 end) as unresolved_complaints,
        count(distinct channel) as channels_used,
        max(case when channel = 'call_center' then 1 else 0 end) = 1 as used_call_center,
        max(case when channel = 'social_media' then 1 else 0 end) = 1 as used_social_media,
        max(case when channel = 'web_form' then 1 else 0 end) = 1 as used_web_form,
        count(distinct complaint_category) as distinct_categories,
        avg(case when is_resolved then resolution_minutes end) as avg_resolution_minutes,
        -- The newest fct_complaints build these totals reflect: the increment's watermark.
        max(_built_at) as _built_at

    from complaints
    group by customer_id

)

select * from totals
