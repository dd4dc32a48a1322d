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
        upper({{ clean_text('state') }}) as state,
        _ingest_date,
        _loaded_at

    from source

),

deduplicated as (

    select * from renamed
    -- Static snapshot re-delivered daily: each agent's latest delivery wins.
    qualify row_number() over (
        partition by agent_id
        order by _ingest_date desc, _loaded_at desc, agent_name, experience_level, state
    ) = 1

)

select * from deduplicated
