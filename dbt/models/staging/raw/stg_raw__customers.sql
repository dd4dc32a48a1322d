with

source as (

    {{ source_or_empty('raw', 'customers') }}

),

renamed as (

    select
        -- UUIDs: case carries no meaning, so compare them lower-cased everywhere.
        lower({{ clean_text('customer_id') }}) as customer_id,
        {{ clean_text('name') }} as customer_name,
        {{ proper_case('gender') }} as gender,
        date_of_birth,
        signup_date,
        {{ clean_email('email') }} as email,
        {{ clean_text('address') }} as address,
        -- The address ends in "<state> <zip>"; both are useful for BI without exposing the address.
        upper({{ regex_extract(clean_text('address'), '([A-Za-z]{2})[ ]+([0-9]{5})$', 1) }}) as address_state,
        {{ regex_extract(clean_text('address'), '([A-Za-z]{2})[ ]+([0-9]{5})$', 2) }} as address_zip,
        _ingest_date,
        _loaded_at

    from source

),

deduplicated as (

    select * from renamed
    -- A static snapshot re-delivered whole each day: each customer's latest delivery wins. Keeping
    -- the latest version per id (not only the latest file) keeps a customer a day's file dropped.
    qualify row_number() over (
        partition by customer_id
        order by
            _ingest_date desc,
            _loaded_at desc,
            -- Any remaining tie is two versions in one delivery; pick one deterministically.
            customer_name, email, address, gender, date_of_birth, signup_date
    ) = 1

)

select * from deduplicated
