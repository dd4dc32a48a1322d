with

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

unknown_member as (

    -- What complaints naming a customer we do not know point at.
    select
        '{{ var("unknown_customer_id") }}' as customer_id,
        'Unknown customer' as customer_name,
        cast(null as {{ dbt.type_string() }}) as gender,
        cast(null as date) as date_of_birth,
        cast(null as date) as signup_date,
        cast(null as {{ dbt.type_string() }}) as email,
        cast(null as {{ dbt.type_string() }}) as address,
        cast(null as {{ dbt.type_string() }}) as address_state,
        cast(null as {{ dbt.type_string() }}) as address_region_code,
        'unknown' as address_region_kind,
        cast(null as {{ dbt.type_string() }}) as address_zip,
        true as is_unknown_member

),

final as (

    select
        customer_id,
        customer_name,
        gender,
        date_of_birth,
        signup_date,
        email,
        address,
        address_state,
        address_region_code,
        address_region_kind,
        address_zip,
        false as is_unknown_member
    from customers

    union all

    select * from unknown_member

)

select * from final
