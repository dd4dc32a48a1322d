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

-- depends_on: {{ ref('int_complaints_unioned') }}, {{ ref('stg_raw__customers') }}, {{ ref('stg_raw__agents') }}  (read by the incremental branch)
with

{% if is_incremental() %}

{%- set customers, agents = ref('stg_raw__customers'), ref('stg_raw__agents') %}
{#- Named in each CTE that reads it, not as a CTE of its own: one read more than once is
    materialised whole by DuckDB before any filter applies - all of history, every column. #}
{%- set unioned, stored = ref('int_complaints_unioned'), this %}

changed_rows as (

    -- Each filter reaches the staging tables (newest loads, or the few complaints named), so no step
    -- below reads all of history: only keys of stored rows are compared, never recomputed.
    select * from {{ unioned }} as unioned
    where _loaded_at > {{ loaded_watermark() }}
    {%- if snapshots_changed() %}

    union all

    select unioned.*
    from {{ unioned }} as unioned
    inner join (
        select stored.channel, stored.source_complaint_id
        from {{ stored }} as stored
        left join {{ customers }} as customers on stored.source_customer_id = customers.customer_id
        left join {{ agents }} as agents on stored.source_agent_id = agents.agent_id
        where stored.has_known_customer <> (customers.customer_id is not null)
            or stored.has_known_agent <> (agents.agent_id is not null)
    ) as rejoined
        on unioned.channel = rejoined.channel
        and unioned.source_complaint_id = rejoined.source_complaint_id
    where unioned._loaded_at <= {{ loaded_watermark() }}
    {%- endif %}

),

changed as (

    {{ enrich_complaints('changed_rows', customers, agents) }}

),

touched_contacts as (

    -- The changed complaints' contacts as they are now and as they were stored.
    select customer_id, complaint_category, requested_at, has_known_customer
    from changed

    union all

    select stored.customer_id, stored.complaint_category, stored.requested_at, stored.has_known_customer
    from {{ stored }} as stored
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
        unioned.*,
        unioned.requested_at >= {{ dbt.dateadd('day', -window_days, 'touched_pairs.first_at') }}
            and unioned.requested_at <= {{ dbt.dateadd('day', window_days, 'touched_pairs.last_at') }}
            as is_neighbour
    from {{ unioned }} as unioned
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

neighbour_rows as (

    select * exclude (is_neighbour) from nearby where is_neighbour

),

neighbour_complaints as (

    {{ enrich_complaints('neighbour_rows', customers, agents) }}

),

complaints as (

    -- A changed complaint is usually its own neighbour too: the same row, kept once.
    select * from changed
    union
    select * from neighbour_complaints

),

contact_times as (

    select distinct source_customer_id as customer_id, complaint_category, requested_at
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
