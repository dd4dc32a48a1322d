with

agents as (

    select * from {{ ref('stg_raw__agents') }}

),

unknown_member as (

    -- What complaints naming an agent we do not know (or none) point at.
    select
        cast({{ var("unknown_agent_id") }} as bigint) as agent_id,
        'Unknown agent' as agent_name,
        'Unknown' as experience_level,
        cast(null as {{ dbt.type_string() }}) as state,
        cast(null as {{ dbt.type_string() }}) as region_code,
        'unknown' as region_kind,
        cast(null as {{ dbt.type_string() }}) as state_as_delivered,
        true as is_unknown_member

),

final as (

    select
        agent_id,
        agent_name,
        experience_level,
        state,
        region_code,
        region_kind,
        state_as_delivered,
        false as is_unknown_member
    from agents

    union all

    select * from unknown_member

)

select * from final
