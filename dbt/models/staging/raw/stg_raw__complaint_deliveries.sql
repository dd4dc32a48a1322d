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

call_logs as (

    select
        'call_center' as channel,
        call_id as source_complaint_id,
        customer_id,
        agent_id,
        complaint_category,
        resolution_status,
        call_start_time as requested_at,
        generation_date,
        _ingest_date,
        _loaded_at
    from ({{ source_or_empty('raw', 'call_logs') }}) as call_logs
    {{ newer_loads_only() }}

),

social_media_complaints as (

    select
        'social_media' as channel,
        complaint_id as source_complaint_id,
        customer_id,
        agent_id,
        complaint_category,
        resolution_status,
        request_date as requested_at,
        generation_date,
        _ingest_date,
        _loaded_at
    from ({{ source_or_empty('raw', 'social_media_complaints') }}) as social_media_complaints
    {{ newer_loads_only() }}

),

web_form_requests as (

    select
        'web_form' as channel,
        request_id as source_complaint_id,
        customer_id,
        agent_id,
        complaint_category,
        resolution_status,
        request_date as requested_at,
        generation_date,
        _ingest_date,
        _loaded_at
    from ({{ source_or_empty('raw', 'web_form_requests') }}) as web_form_requests
    {{ newer_loads_only() }}

),

source as (

    select * from call_logs
    union all
    select * from social_media_complaints
    union all
    select * from web_form_requests

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
