with

source as (

    {{ source_or_empty('raw', 'web_form_requests') }}

),

renamed as (

    select
        {{ clean_text('request_id') }} as request_id,
        lower({{ clean_text('customer_id') }}) as customer_id,
        agent_id,
        {{ canonical_value('complaint_category', var('complaint_categories')) }} as complaint_category,
        {{ canonical_value('resolution_status', var('resolution_statuses')) }} as resolution_status,
        request_date as requested_at,
        resolution_date as resolved_at,
        generation_date,
        _ingest_date,
        _loaded_at

    from source

),

deduplicated as (

    select * from renamed
    -- Exact duplicates collapse; a re-delivery on a later day with a new status: latest wins.
    qualify row_number() over (
        partition by request_id
        order by
            _ingest_date desc,
            _loaded_at desc,
            resolution_status, resolved_at, requested_at, customer_id, agent_id, complaint_category
    ) = 1

)

select * from deduplicated
