{#- Incremental: rebuilt only when a newer snapshot was loaded (macros/incremental.sql). -#}
{{ config(materialized='incremental', unique_key='_snapshot') }}

with

source as (

    {{ newest_snapshot('raw', 'customers') }}

),

renamed as (

    select
        -- UUIDs: case carries no meaning, so compare them lower-cased everywhere.
        lower({{ clean_text('customer_id') }}) as customer_id,
        {{ clean_text('name') }} as customer_name,
        {{ canonical_value('gender', ['M', 'F'], synonyms={'male': 'M', 'female': 'F'}) }} as gender,
        date_of_birth,
        signup_date,
        {{ clean_email('email') }} as email,
        {{ clean_text('address') }} as address,
        -- The address ends in "<code> <zip>": a state, a military code (APO AA 12094) or a
        -- territory (MP, GU); both are useful for BI without exposing the address.
        {{ usps_code(regex_extract(clean_text('address'), '([A-Za-z]{2})[ ]+([0-9]{5})$', 1)) }}
            as address_region_code,
        {{ regex_extract(clean_text('address'), '([A-Za-z]{2})[ ]+([0-9]{5})$', 2) }} as address_zip,
        _ingest_date,
        _loaded_at

    from source

),

latest_delivery as (

    select
        *,
        {{ region_columns('address_region_code', prefix='address_') }},
        'latest' as _snapshot
    from ({{ one_row_per('renamed', 'customer_id', ['customer_name', 'email', 'address', 'gender', 'date_of_birth',
                                  'signup_date']) }}) as latest

)

select * from latest_delivery
