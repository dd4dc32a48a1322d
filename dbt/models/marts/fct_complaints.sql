{#-
    The unique key is configured here, beside the increment it makes sense with; the strategy
    (delete+insert) for every incremental model in dbt_project.yml.

    A full build reads int_complaint_repeat_contacts (every complaint). An incremental build does the
    day's work only (issue 10) - its cost follows the day's deliveries, not the history:
    1. changed: the complaints delivered by a load newer than the stored rows (staging has already
       picked each one's winning version), and those whose customer or agent became known or
       unknown in the latest snapshot;
    2. their neighbours: the complaints of the same customer and category (old and new values) whose
       repeat-contact flags the change can turn - requested within repeat_contact_days of it;
    3. both get the flags of macros/repeat_contacts.sql, computed over the contacts around them
       (twice the window, so each neighbour's own nearest contacts are seen too).
    _built_at (the build's start) marks the rows a build wrote, for the marts that read this one.
-#}
{{ config(materialized='incremental', unique_key='complaint_key', meta={'publish': 'rows_built'}) }}

{%- set window_days = var('repeat_contact_days') %}

-- depends_on: {{ ref('int_complaints_enriched') }}, {{ ref('int_complaints_unioned') }}, {{ ref('stg_raw__customers') }}, {{ ref('stg_raw__agents') }}  (read by the incremental branch)
with

{% if is_incremental() %}

enriched as (

    select * from {{ ref('int_complaints_enriched') }}

),

unioned as (

    select * from {{ ref('int_complaints_unioned') }}

),

stored as (

    select * from {{ this }}

),

changed as (

    select complaint_key from enriched
    where _loaded_at > {{ loaded_watermark() }}

    {%- if snapshots_changed() %}

    union

    select stored.complaint_key
    from stored
    left join {{ ref('stg_raw__customers') }} as customers
        on stored.source_customer_id = customers.customer_id
    left join {{ ref('stg_raw__agents') }} as agents
        on stored.source_agent_id = agents.agent_id
    where stored.has_known_customer <> (customers.customer_id is not null)
        or stored.has_known_agent <> (agents.agent_id is not null)
    {%- endif %}

),

touched_contacts as (

    -- The changed complaints' contacts as they are now and as they were stored.
    select enriched.customer_id, enriched.complaint_category, enriched.requested_at, enriched.has_known_customer
    from enriched
    inner join changed on enriched.complaint_key = changed.complaint_key

    union all

    select stored.customer_id, stored.complaint_category, stored.requested_at, stored.has_known_customer
    from stored
    inner join changed on stored.complaint_key = changed.complaint_key

),

touched_pairs as (

    select
        customer_id,
        complaint_category,
        min(requested_at) as first_at,
        max(requested_at) as last_at
    from touched_contacts
    where has_known_customer
        and complaint_category <> 'Unknown'
        and requested_at is not null
    group by customer_id, complaint_category

),

nearby as (

    -- Complaints of the touched pairs within twice the window of a touched contact; the global
    -- bounds let the warehouse skip the blocks of older history before it joins.
    select
        unioned.complaint_key,
        unioned.source_customer_id as customer_id,
        unioned.complaint_category,
        unioned.requested_at,
        unioned.requested_at >= {{ dbt.dateadd('day', -window_days, 'touched_pairs.first_at') }}
            and unioned.requested_at <= {{ dbt.dateadd('day', window_days, 'touched_pairs.last_at') }}
            as is_neighbour
    from unioned
    inner join touched_pairs
        on unioned.source_customer_id = touched_pairs.customer_id
        and unioned.complaint_category = touched_pairs.complaint_category
        and unioned.requested_at >= {{ dbt.dateadd('day', -2 * window_days, 'touched_pairs.first_at') }}
        and unioned.requested_at <= {{ dbt.dateadd('day', 2 * window_days, 'touched_pairs.last_at') }}
    where unioned.requested_at >= (
            select {{ dbt.dateadd('day', -2 * window_days, 'min(first_at)') }} from touched_pairs)
        and unioned.requested_at <= (
            select {{ dbt.dateadd('day', 2 * window_days, 'max(last_at)') }} from touched_pairs)

),

to_rewrite as (

    select complaint_key from changed
    union
    select complaint_key from nearby where is_neighbour

),

complaints as (

    select enriched.*
    from enriched
    inner join to_rewrite on enriched.complaint_key = to_rewrite.complaint_key

),

contact_times as (

    select distinct customer_id, complaint_category, requested_at
    from nearby

),

{{ repeat_contact_ctes('complaints', 'contact_times') }},

{% else %}

flagged as (

    select * from {{ ref('int_complaint_repeat_contacts') }}

),

{% endif %}

final as (

    select
        complaint_key,
        channel,
        source_complaint_id,
        customer_id,
        agent_id,
        source_customer_id,
        source_agent_id,
        complaint_category,
        resolution_status,
        media_channel,
        requested_at,
        resolved_at,
        resolution_minutes,
        is_resolved,
        has_known_customer,
        has_known_agent,
        complaint_date,
        generation_date,
        is_repeat_contact,
        is_first_contact_resolution,
        _ingest_date,
        _loaded_at,
        {{ build_timestamp() }} as _built_at

    from flagged

)

select * from final
