{#- Incremental: only calls a newer load delivered are reconsidered, against their stored winners (macros/incremental.sql). -#}
{{ config(materialized='incremental', unique_key='call_id') }}

with

source as (

    {{ redelivered_rows('raw', 'call_logs', clean_text('call_id'), 'call_id') }}

),

renamed as (

    select
        {{ clean_text('call_id') }} as call_id,
        {{ complaint_attributes() }},
        -- Out-of-calendar dates (2999-12-31, 1900-01-01) become null and the row is flagged.
        {{ within_calendar('call_start_time') }} as call_start_time,
        {{ within_calendar('call_end_time') }} as call_end_time,
        {{ within_calendar('generation_date') }} as generation_date,
        {{ outside_calendar(['call_start_time', 'call_end_time', 'generation_date']) }} as date_out_of_window,
        _ingest_date,
        _loaded_at

    from source

),

candidates as (

    -- The newly delivered versions, and on an incremental build each one's stored winner.
    select * from renamed
    {{ stored_winners('raw', 'call_logs', clean_text('call_id'), 'call_id') }}

),

deduplicated as (

    -- Exact duplicates collapse; a call re-delivered on a later day with a new status: latest wins.
    select * from candidates
    {{ latest_delivery('call_id', ['resolution_status', 'call_end_time', 'call_start_time', 'customer_id',
                                   'agent_id', 'complaint_category']) }}

)

select * from deduplicated
