{#- Incremental: only complaints a newer load delivered are reconsidered, against their stored winners (macros/incremental.sql). -#}
{{ config(materialized='incremental', unique_key='complaint_id') }}

with

source as (

    {{ redelivered_rows('raw', 'social_media_complaints', clean_text('complaint_id'), 'complaint_id') }}

),

renamed as (

    select
        {{ clean_text('complaint_id') }} as complaint_id,
        {{ complaint_attributes() }},
        {{ canonical_value('media_channel', var('media_channels')) }} as media_channel,
        -- Out-of-calendar dates (2999-12-31, 1900-01-01) become null and the row is flagged.
        {{ within_calendar('request_date') }} as requested_at,
        {{ within_calendar('resolution_date') }} as resolved_at,
        {{ within_calendar('generation_date') }} as generation_date,
        {{ outside_calendar(['request_date', 'resolution_date', 'generation_date']) }} as date_out_of_window,
        _ingest_date,
        _loaded_at

    from source

),

candidates as (

    -- The newly delivered versions, and on an incremental build each one's stored winner.
    select * from renamed
    {{ stored_winners('raw', 'social_media_complaints', clean_text('complaint_id'), 'complaint_id') }}

),

deduplicated as (

    -- Exact duplicates collapse; a re-delivery on a later day with a new status: latest wins.
    select * from candidates
    {{ latest_delivery('complaint_id', ['resolution_status', 'resolved_at', 'requested_at', 'customer_id',
                                        'agent_id', 'complaint_category', 'media_channel']) }}

)

select * from deduplicated
