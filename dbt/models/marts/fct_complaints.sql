{#-
    Configured here rather than in dbt_project.yml: the incremental filter below only makes sense
    together with this unique key and strategy, so a reader should see them side by side.
    delete+insert is the one strategy both dbt-duckdb and dbt-snowflake implement alike.
-#}
{{
    config(
        materialized='incremental',
        unique_key='complaint_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

with

complaints as (

    select * from {{ ref('int_complaints_enriched') }}

),

{% if is_incremental() %}

changed as (

    -- Incremental by delivery: every complaint with a version loaded since the last build - a new
    -- day, a re-delivery on a later day, or an old day loaded again. Staging has already picked the
    -- winning version among *all* deliveries, so an old day's reload cannot undo a later status.
    -- `>=` re-reads the newest load once more, in case a load was still committing at the last build.
    select complaint_key
    from complaints
    where _last_loaded_at >= (
        select coalesce(max(_last_loaded_at), cast('1970-01-01 00:00:00' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )

    union

    -- A customer or agent that has become known (or unknown) since the complaint was built.
    select complaints.complaint_key
    from complaints
    inner join {{ this }} as built
        on complaints.complaint_key = built.complaint_key
    where complaints.has_known_customer <> built.has_known_customer
        or complaints.has_known_agent <> built.has_known_agent

),

{% endif %}

final as (

    select
        complaint_key,
        channel,
        source_complaint_id,
        customer_id,
        agent_id,
        source_customer_id,
        source_agent_id,
        complaint_category,
        resolution_status,
        media_channel,
        requested_at,
        resolved_at,
        resolution_minutes,
        is_resolved,
        has_known_customer,
        has_known_agent,
        complaint_date,
        generation_date,
        _ingest_date,
        _loaded_at,
        _last_loaded_at

    from complaints
    {% if is_incremental() %}
    where complaint_key in (select complaint_key from changed)
    {% endif %}

)

select * from final
