-- One row per entity and ingest date: the partition manifest each extract published (issue 11.3),
-- as the loader copies it into RAW. The JSON columns stay text; the marts read only what they need.
with

source as (

    {{ source_or_empty('raw', 'extract_manifests') }}

),

renamed as (

    select
        entity,
        ingest_date,
        run_id,
        source as source_location,
        rows_read,
        rows_written,
        rows_quarantined,
        quarantine_reasons,
        {{ clean_text('top_quarantine_reason') }} as top_quarantine_reason,
        drift_columns,
        fingerprint,
        unchanged_since,
        published_at

    from source

),

deduplicated as (

    select * from renamed
    -- The loader replaces a day's manifests; should two ever meet, the latest publication wins.
    qualify row_number() over (partition by entity, ingest_date order by published_at desc, run_id desc) = 1

)

select * from deduplicated
