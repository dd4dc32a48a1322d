{#-
    Incremental (issue 10): rebuilt only when staging took a newer customers snapshot; otherwise the
    build writes nothing and publishes nothing. The constant key `_snapshot` (as in staging) makes a
    newer snapshot replace every row, customers that left it included.
-#}
{{ config(materialized='incremental', unique_key='_snapshot', meta={'publish': 'rows_built'}) }}

with

customers as (

    select * from {{ ref('stg_raw__customers') }}
    {%- if is_incremental() %}
    where _loaded_at > {{ loaded_watermark() }}
    {%- endif %}

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
        true as is_unknown_member,
        (select max(_loaded_at) from customers) as _loaded_at
    {%- if is_incremental() %}
    -- Only with the snapshot it belongs to: alone, its key would replace every stored customer.
    where exists (select 1 from customers)
    {%- endif %}

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
        false as is_unknown_member,
        _loaded_at
    from customers

    union all

    select * from unknown_member

)

select *, 'latest' as _snapshot, {{ build_timestamp() }} as _built_at from final
