{#-
    Every enriched complaint plus its repeat-contact flags (issue 14.1):
    - is_repeat_contact: the same known customer made another complaint, in any channel and in the
      same category, requested strictly earlier and at most repeat_contact_days before this one;
    - is_first_contact_resolution: resolved, and no repeat contact follows (no complaint of that
      customer and category requested strictly later and at most repeat_contact_days after this one).
    'Unknown' is not a category but the lack of one, so two Unknown complaints are not a repeat.
    A complaint without a request time or a known customer can be neither a repeat nor followed by one.

    Only the nearest earlier and later request times per customer and category matter, so ties are
    collapsed first (distinct times) and lag/lead find them: one sort, no self-join, and the same SQL
    on DuckDB and Snowflake. Because a later complaint changes an earlier one's first-contact
    resolution, these flags are columns fct_complaints compares: the earlier row is rewritten too.
-#}
{%- set window_days = var('repeat_contact_days') %}

with

complaints as (

    select * from {{ ref('int_complaints_enriched') }}

),

contact_times as (

    select distinct customer_id, complaint_category, requested_at
    from complaints
    where has_known_customer
        and complaint_category <> 'Unknown'
        and requested_at is not null

),

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
    from contact_times

),

flagged as (

    select
        complaints.*,
        neighbours.previous_contact_at,
        neighbours.next_contact_at,
        coalesce(
            neighbours.previous_contact_at >= {{ dbt.dateadd('day', -window_days, 'complaints.requested_at') }},
            false
        ) as is_repeat_contact,
        complaints.is_resolved and not coalesce(
            neighbours.next_contact_at <= {{ dbt.dateadd('day', window_days, 'complaints.requested_at') }},
            false
        ) as is_first_contact_resolution

    from complaints
    left join neighbours
        on complaints.customer_id = neighbours.customer_id
        and complaints.complaint_category = neighbours.complaint_category
        and complaints.requested_at = neighbours.requested_at
        and complaints.has_known_customer

)

select * from flagged
