-- The One Big Table for BI: one row per complaint with its customer, agent and calendar attributes.
-- PII never reaches it in clear text: names, addresses and dates of birth are dropped, the email is
-- kept only as a salted SHA-256 (to count distinct contacts) and the age only as a band.
with

complaints as (

    select * from {{ ref('fct_complaints') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

agents as (

    select * from {{ ref('dim_agents') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

joined as (

    select
        complaints.complaint_key,
        complaints.channel,
        complaints.source_complaint_id,
        complaints.complaint_category,
        complaints.resolution_status,
        complaints.media_channel,
        complaints.requested_at,
        complaints.resolved_at,
        complaints.resolution_minutes,
        complaints.is_resolved,
        complaints.is_repeat_contact,
        complaints.is_first_contact_resolution,
        complaints.complaint_date,
        dates.year as complaint_year,
        dates.quarter as complaint_quarter,
        dates.month as complaint_month,
        dates.month_name as complaint_month_name,
        dates.day_of_week as complaint_day_of_week,
        dates.day_name as complaint_day_name,
        dates.is_weekend as complaint_on_weekend,

        complaints.customer_id,
        complaints.has_known_customer,
        customers.gender as customer_gender,
        customers.signup_date as customer_signup_date,
        {{ dbt.datediff('customers.signup_date', 'complaints.complaint_date', 'day') }}
            as customer_tenure_days,
        case
            when customers.date_of_birth is null then 'Unknown'
            when {{ dbt.datediff('customers.date_of_birth', 'complaints.complaint_date', 'day') }} < 25 * 365.25
                then 'under 25'
            when {{ dbt.datediff('customers.date_of_birth', 'complaints.complaint_date', 'day') }} < 35 * 365.25
                then '25-34'
            when {{ dbt.datediff('customers.date_of_birth', 'complaints.complaint_date', 'day') }} < 45 * 365.25
                then '35-44'
            when {{ dbt.datediff('customers.date_of_birth', 'complaints.complaint_date', 'day') }} < 55 * 365.25
                then '45-54'
            when {{ dbt.datediff('customers.date_of_birth', 'complaints.complaint_date', 'day') }} < 65 * 365.25
                then '55-64'
            else '65 and over'
        end as customer_age_band,
        case
            when customers.email is not null
                then {{ sha256_hex("'" ~ var('pii_salt') ~ "' || customers.email") }}
        end as customer_email_sha256,
        {{ regex_extract('customers.email', '@(.+)$', 1) }} as customer_email_domain,
        customers.address_state as customer_state,
        customers.address_region_code as customer_region_code,
        customers.address_region_kind as customer_region_kind,

        complaints.agent_id,
        complaints.has_known_agent,
        agents.experience_level as agent_experience_level,
        agents.state as agent_state,
        agents.region_code as agent_region_code,
        agents.region_kind as agent_region_kind

    from complaints
    left join customers
        on complaints.customer_id = customers.customer_id
    left join agents
        on complaints.agent_id = agents.agent_id
    left join dates
        on complaints.complaint_date = dates.date_day

)

select * from joined
