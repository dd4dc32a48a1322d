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

located as (

    select
        renamed.*,
        {{ region_kind('region_code') }} as region_kind,
        -- Only the 50 states and DC count as states; military and territories keep region_code.
        case when {{ region_kind('region_code') }} = 'state' then region_code end as state
    from renamed

),

latest_delivery as (

    -- A static snapshot re-delivered whole every day: the latest delivery is the team.
    select * from located
    where _ingest_date = (select max(_ingest_date) from renamed)

),

deduplicated as (

    select * from latest_delivery
    -- Exact duplicates inside the delivery collapse; differing rows for one id resolve deterministically.
    qualify row_number() over (
        partition by agent_id
        order by _loaded_at desc, agent_name, experience_level, state_as_delivered
    ) = 1

)

select * from deduplicated
