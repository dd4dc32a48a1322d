{#-
    The repeat-contact rule (issue 14.1) as CTEs, so the view over every complaint
    (int_complaint_repeat_contacts) and fct_complaints' increment compute it with the same SQL.
    `complaints`: the rows to flag (int_complaints_enriched's columns); `contact_times`: distinct
    (customer_id, complaint_category, requested_at) of known customers, category not Unknown, request
    time not null - every contact that can be a neighbour of a complaint to flag.

    Only the nearest earlier and later request times per customer and category matter, so lag/lead
    over the distinct times find them: one sort, no self-join, the same SQL on DuckDB and Snowflake.
    Defines the CTEs `neighbours` and `flagged` (the complaints plus previous_contact_at,
    next_contact_at, is_repeat_contact and is_first_contact_resolution).
-#}
{% macro repeat_contact_ctes(complaints, contact_times) -%}
    {%- set window_days = var('repeat_contact_days') -%}
neighbours as (

    select
        customer_id,
        complaint_category,
        requested_at,
        lag(requested_at) over (
            partition by customer_id, complaint_category order by requested_at
        ) as previous_contact_at,
        lead(requested_at) over (
            partition by customer_id, complaint_category order by requested_at
        ) as next_contact_at
    from {{ contact_times }}

),

flagged as (

    select
        {{ complaints }}.*,
        neighbours.previous_contact_at,
        neighbours.next_contact_at,
        {{ complaints }}.has_known_customer and coalesce(
            neighbours.previous_contact_at >= {{ dbt.dateadd('day', -window_days, complaints ~ '.requested_at') }},
            false
        ) as is_repeat_contact,
        {{ complaints }}.is_resolved and not (
            {{ complaints }}.has_known_customer and coalesce(
                neighbours.next_contact_at <= {{ dbt.dateadd('day', window_days, complaints ~ '.requested_at') }},
                false
            )
        ) as is_first_contact_resolution

    -- Equalities only in the join: a condition on the preserved side alone (has_known_customer) would
    -- turn DuckDB's hash join into a nested loop, quadratic in the day's complaints (44 s → 4 s for a
    -- scale-100 day). Unknown customers never match anyway (contacts are known customers only).
    from {{ complaints }}
    left join neighbours
        on {{ complaints }}.customer_id = neighbours.customer_id
        and {{ complaints }}.complaint_category = neighbours.complaint_category
        and {{ complaints }}.requested_at = neighbours.requested_at

)
{%- endmacro %}
