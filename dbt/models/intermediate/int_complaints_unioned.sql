-- The three complaint channels in one shape: one row per (channel, source id), keyed by complaint_key.
with

call_logs as (

    select * from {{ ref('stg_raw__call_logs') }}

),

social_media_complaints as (

    select * from {{ ref('stg_raw__social_media_complaints') }}

),

web_form_requests as (

    select * from {{ ref('stg_raw__web_form_requests') }}

),

unioned as (

    select
        'call_center' as channel,
        call_id as source_complaint_id,
        customer_id as source_customer_id,
        agent_id as source_agent_id,
        complaint_category,
        resolution_status,
        cast(null as {{ dbt.type_string() }}) as media_channel,
        -- A call is requested when it starts and "resolved" when it ends (SOURCES.md).
        call_start_time as requested_at,
        call_end_time as resolved_at,
        generation_date,
        _ingest_date,
        _loaded_at
    from call_logs

    union all

    select
        'social_media' as channel,
        complaint_id as source_complaint_id,
        customer_id as source_customer_id,
        agent_id as source_agent_id,
        complaint_category,
        resolution_status,
        media_channel,
        requested_at,
        resolved_at,
        generation_date,
        _ingest_date,
        _loaded_at
    from social_media_complaints

    union all

    select
        'web_form' as channel,
        request_id as source_complaint_id,
        customer_id as source_customer_id,
        agent_id as source_agent_id,
        complaint_category,
        resolution_status,
        cast(null as {{ dbt.type_string() }}) as media_channel,
        requested_at,
        resolved_at,
        generation_date,
        _ingest_date,
        _loaded_at
    from web_form_requests

),

final as (

    select
        {{ dbt.hash("channel || '|' || source_complaint_id") }} as complaint_key,
        channel,
        source_complaint_id,
        source_customer_id,
        source_agent_id,
        complaint_category,
        resolution_status,
        media_channel,
        requested_at,
        resolved_at,
        {{ resolution_minutes('requested_at', 'resolved_at') }} as resolution_minutes,
        resolution_status = 'Resolved' as is_resolved,
        -- A complaint without a request time still belongs to a day: the one it was delivered on.
        coalesce(cast(requested_at as date), generation_date, _ingest_date) as complaint_date,
        generation_date,
        _ingest_date,
        _loaded_at
    from unioned

)

select * from final
