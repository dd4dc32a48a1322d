with

source as (

    {{ source_or_empty('raw', 'agents') }}

),

renamed as (

    select
        agent_id,
        {{ clean_text('name') }} as agent_name,
        {{ canonical_value('experience', ['Intern', 'Junior', 'Mid-level', 'Senior'],
            synonyms={'mid': 'Mid-level', 'mid level': 'Mid-level', 'midlevel': 'Mid-level'}) }}
            as experience_level,
        -- SOURCES.md: a full state name ("Rhode Island"); a USPS code is read the same way.
        {{ clean_text('state') }} as state_as_delivered,
        {{ usps_code('state') }} as region_code,
        _ingest_date,
        _loaded_at

    from source

),

latest_delivery as (

    -- A static snapshot re-delivered whole every day: only its latest delivery is read, so the cost
    -- stays one snapshot however many days RAW keeps.
    select
        *,
        {{ region_columns('region_code') }}
    from ({{ latest_snapshot('renamed', 'agent_id', ['agent_name', 'experience_level', 'state_as_delivered']) }}) as latest

)

select * from latest_delivery
