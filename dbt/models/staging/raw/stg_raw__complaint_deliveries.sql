{#-
    Every delivery of every complaint, all three channels (the status history's input): one row per
    (channel, source id, delivery day). The per-channel staging models keep only the latest version
    of each complaint; the history needs each day's, so this reads RAW itself with the same cleaning.
    Inside one delivery, exact duplicates collapse and differing rows resolve as staging does.
    Incremental: a build adds only the deliveries of loads newer than the stored ones (a day loaded
    again replaces its rows by key; a complaint it dropped keeps its row, as the status history says).
-#}
{{ config(materialized='incremental', unique_key='delivery_key') }}

with

{#- The three RAW complaint tables in one shape: (channel, RAW table, id column, request-time column). -#}
{%- set channels = [
    ('call_center', 'call_logs', 'call_id', 'call_start_time'),
    ('social_media', 'social_media_complaints', 'complaint_id', 'request_date'),
    ('web_form', 'web_form_requests', 'request_id', 'request_date'),
] %}

source as (
    {%- for channel, table, id_column, requested_at in channels %}

    select
        '{{ channel }}' as channel,
        {{ id_column }} as source_complaint_id,
        customer_id,
        agent_id,
        complaint_category,
        resolution_status,
        {{ requested_at }} as requested_at,
        generation_date,
        _ingest_date,
        _loaded_at
    from ({{ source_or_empty('raw', table) }}) as {{ table }}
    {{ newer_loads_only() }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

renamed as (

    select
        channel,
        {{ clean_text('source_complaint_id') }} as source_complaint_id,
        {{ complaint_attributes() }},
        -- Dates outside the calendar become null, as in the per-channel staging models.
        {{ within_calendar('requested_at') }} as requested_at,
        {{ within_calendar('generation_date') }} as generation_date,
        _ingest_date,
        _loaded_at

    from source

),

deduplicated as (

    select
        {{ dbt.hash("channel || '|' || source_complaint_id || '|' || cast(_ingest_date as " ~ dbt.type_string() ~ ")") }}
            as delivery_key,
        *
    from renamed
    qualify row_number() over (
        partition by channel, source_complaint_id, _ingest_date
        order by _loaded_at desc, resolution_status, requested_at, customer_id, agent_id, complaint_category
    ) = 1

)

select * from deduplicated
