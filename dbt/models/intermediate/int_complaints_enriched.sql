-- Complaints joined to the customers and agents they name; unknown ones point at the dimensions'
-- "unknown" member and are flagged rather than dropped (macros/enrich_complaints.sql).
with

complaints as (

    select * from {{ ref('int_complaints_unioned') }}

),

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

agents as (

    select * from {{ ref('stg_raw__agents') }}

),

enriched as (

    {{ enrich_complaints('complaints', 'customers', 'agents') }}

)

select * from enriched
