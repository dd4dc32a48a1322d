with

source as (

    {{ source_or_empty('raw', 'social_media_complaints') }}

),

renamed as (

    select
        {{ clean_text('complaint_id') }} as complaint_id,
        lower({{ clean_text('customer_id') }}) as customer_id,
        agent_id,
        {{ canonical_value('complaint_category', var('complaint_categories')) }} as complaint_category,
        {{ canonical_value('resolution_status', var('resolution_statuses')) }} as resolution_status,
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

deduplicated as (

    select * from renamed
    -- Exact duplicates collapse; a re-delivery on a later day with a new status: latest wins.
    qualify row_number() over (
        partition by complaint_id
        order by
            _ingest_date desc,
            _loaded_at desc,
            resolution_status, resolved_at, requested_at, customer_id, agent_id, complaint_category, media_channel
    ) = 1

)

select * from deduplicated
