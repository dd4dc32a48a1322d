{#-
    Data quality as data (issue 14.4): one row per entity and ingest_date, from the partition
    manifests the extracts published (RAW extract_manifests), so the figures are what ran: rows read,
    written and quarantined, the quarantine share and commonest reason, schema drift. For the three
    complaint entities also the shares of that day's delivered complaints naming an unknown customer,
    an unknown agent, or no known category. A day with complaint data but no manifest still gets a
    row (has_manifest false): missing bookkeeping is itself a quality finding.

    Incremental: only days whose manifest was published, or whose complaints were loaded, after what
    the stored table reflects are recomputed.
-#}
{{
    config(
        materialized='incremental',
        unique_key='data_quality_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{%- set channel_entities = {'call_center': 'call-logs', 'social_media': 'social-media', 'web_form': 'web-forms'} %}

with

manifests as (

    select * from {{ ref('stg_raw__extract_manifests') }}

),

deliveries as (

    select * from {{ ref('stg_raw__complaint_deliveries') }}

),

{% if is_incremental() %}
changed_days as (

    select ingest_date from manifests
    where published_at > {{ stored_watermark('published_at') }}
    union
    select _ingest_date from deliveries
    where _loaded_at > {{ stored_watermark('source_loaded_at') }}

),
{% endif %}

-- The dimensions, not staging: they are tables already built, where staging views would redo the
-- cleaning of the whole customer snapshot here.
customers as (

    select customer_id from {{ ref('dim_customers') }} where not is_unknown_member

),

agents as (

    select agent_id from {{ ref('dim_agents') }} where not is_unknown_member

),

complaint_days as (

    select
        case deliveries.channel
        {%- for channel, entity in channel_entities.items() %}
            when '{{ channel }}' then '{{ entity }}'
        {%- endfor %}
        end as entity,
        deliveries._ingest_date as ingest_date,
        count(*) as complaints_delivered,
        count(case when customers.customer_id is null then 1 end) as unknown_customers,
        count(case when agents.agent_id is null then 1 end) as unknown_agents,
        count(case when deliveries.complaint_category = 'Unknown' then 1 end) as unknown_categories,
        max(deliveries._loaded_at) as source_loaded_at
    from deliveries
    left join customers
        on deliveries.customer_id = customers.customer_id
    left join agents
        on deliveries.agent_id = agents.agent_id
    {%- if is_incremental() %}
    where deliveries._ingest_date in (select ingest_date from changed_days)
    {%- endif %}
    group by deliveries.channel, deliveries._ingest_date

),

day_manifests as (

    select * from manifests
    {%- if is_incremental() %}
    where ingest_date in (select ingest_date from changed_days)
    {%- endif %}

),

keys as (

    select entity, ingest_date from day_manifests
    union
    select entity, ingest_date from complaint_days

),

final as (

    select
        {{ dbt.hash("keys.entity || '|' || cast(keys.ingest_date as " ~ dbt.type_string() ~ ")") }}
            as data_quality_key,
        keys.entity,
        keys.ingest_date,
        day_manifests.entity is not null as has_manifest,
        day_manifests.rows_read,
        day_manifests.rows_written,
        day_manifests.rows_quarantined,
        cast(case when day_manifests.rows_read > 0
            then day_manifests.rows_quarantined * 1.0 / day_manifests.rows_read end as numeric(9, 4))
            as quarantine_share,
        day_manifests.top_quarantine_reason,
        day_manifests.quarantine_reasons,
        day_manifests.drift_columns,
        coalesce(day_manifests.drift_columns not in ('[]', ''), false) as has_drift,
        day_manifests.unchanged_since,
        day_manifests.source_location,
        day_manifests.run_id,
        complaint_days.complaints_delivered,
        cast(case when complaint_days.complaints_delivered > 0
            then complaint_days.unknown_customers * 1.0 / complaint_days.complaints_delivered end as numeric(9, 4))
            as unknown_customer_share,
        cast(case when complaint_days.complaints_delivered > 0
            then complaint_days.unknown_agents * 1.0 / complaint_days.complaints_delivered end as numeric(9, 4))
            as unknown_agent_share,
        cast(case when complaint_days.complaints_delivered > 0
            then complaint_days.unknown_categories * 1.0 / complaint_days.complaints_delivered end as numeric(9, 4))
            as unknown_category_share,
        day_manifests.published_at,
        complaint_days.source_loaded_at

    from keys
    left join day_manifests
        on keys.entity = day_manifests.entity
        and keys.ingest_date = day_manifests.ingest_date
    left join complaint_days
        on keys.entity = complaint_days.entity
        and keys.ingest_date = complaint_days.ingest_date

)

select * from final
