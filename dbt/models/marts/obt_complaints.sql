-- The One Big Table for BI: one row per complaint with its customer, agent and calendar attributes.
-- PII never reaches it in clear text: names, addresses and dates of birth are dropped, the email is
-- kept only as a salted SHA-256 (to count distinct contacts) and the age only as a band.
{#-
    Incremental (issue 10): a build rewrites the complaints fct_complaints rewrote (its _built_at is
    newer than this table's), and - only when a newer customers or agents snapshot was loaded - the
    complaints whose customer or agent attributes changed in it.
-#}
{{ config(materialized='incremental', unique_key='complaint_key', meta={'publish': 'rows_built'}) }}

-- depends_on: {{ ref('stg_raw__customers') }}, {{ ref('stg_raw__agents') }}  (read by the incremental branch)
with

complaints as (

    select * from {{ ref('fct_complaints') }}
    {%- if is_incremental() %}
    where _built_at > {{ built_watermark() }}
        {%- if snapshots_changed() %}
        or complaint_key in (
            select stored.complaint_key
            from {{ this }} as stored
            inner join {{ ref('dim_customers') }} as customers
                on stored.customer_id = customers.customer_id
            inner join {{ ref('dim_agents') }} as agents
                on stored.agent_id = agents.agent_id
            where stored.customer_gender is distinct from customers.gender
                or stored.customer_signup_date is distinct from customers.signup_date
                or stored.customer_state is distinct from customers.address_state
                or stored.customer_region_code is distinct from customers.address_region_code
                or stored.customer_region_kind is distinct from customers.address_region_kind
                or stored.customer_email_domain is distinct from {{ regex_extract('customers.email', '@(.+)$', 1) }}
                or stored.customer_email_sha256 is distinct from {{ salted_sha256('customers.email') }}
                or stored.customer_age_band <> {{ age_band('customers.date_of_birth', 'stored.complaint_date') }}
                or stored.agent_experience_level is distinct from agents.experience_level
                or stored.agent_state is distinct from agents.state
                or stored.agent_region_code is distinct from agents.region_code
                or stored.agent_region_kind is distinct from agents.region_kind
        )
        {%- endif %}
    {%- endif %}

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
        {{ age_band('customers.date_of_birth', 'complaints.complaint_date') }} as customer_age_band,
        {{ salted_sha256('customers.email') }} as customer_email_sha256,
        {{ regex_extract('customers.email', '@(.+)$', 1) }} as customer_email_domain,
        customers.address_state as customer_state,
        customers.address_region_code as customer_region_code,
        customers.address_region_kind as customer_region_kind,

        complaints.agent_id,
        complaints.has_known_agent,
        agents.experience_level as agent_experience_level,
        agents.state as agent_state,
        agents.region_code as agent_region_code,
        agents.region_kind as agent_region_kind,
        complaints._ingest_date,
        complaints._loaded_at,
        {{ build_timestamp() }} as _built_at

    from complaints
    left join customers
        on complaints.customer_id = customers.customer_id
    left join agents
        on complaints.agent_id = agents.agent_id
    left join dates
        on complaints.complaint_date = dates.date_day

)

select * from joined
