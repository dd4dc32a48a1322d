{#- Incremental: rebuilt only when a newer snapshot was loaded (macros/incremental.sql). -#}
{{ config(materialized='incremental', unique_key='_snapshot') }}

with

source as (

    {{ newest_snapshot('raw', 'agents') }}

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

    select
        *,
        {{ region_columns('region_code') }},
        'latest' as _snapshot
    from ({{ one_row_per('renamed', 'agent_id', ['agent_name', 'experience_level', 'state_as_delivered']) }}) as latest

)

select * from latest_delivery
