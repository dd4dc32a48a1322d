with

source as (

    {{ source_or_empty('raw', 'customers') }}

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

located as (

    select
        renamed.*,
        {{ region_kind('address_region_code') }} as address_region_kind,
        -- Only the 50 states and DC count as states; military and territories keep their region code.
        case when {{ region_kind('address_region_code') }} = 'state' then address_region_code end as address_state
    from renamed

),

latest_delivery as (

    -- A static snapshot re-delivered whole every day: the latest delivery is the customer base.
    -- Reading only that day keeps the cost at one snapshot however many days RAW keeps.
    select * from located
    where _ingest_date = (select max(_ingest_date) from renamed)

),

deduplicated as (

    select * from latest_delivery
    -- Exact duplicates inside the delivery collapse; two differing rows for one id (never seen, but
    -- possible) resolve deterministically rather than by chance.
    qualify row_number() over (
        partition by customer_id
        order by _loaded_at desc, customer_name, email, address, gender, date_of_birth, signup_date
    ) = 1

)

select * from deduplicated
