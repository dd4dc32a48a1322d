-- One row per agent and day the complaints were requested: volume, resolution rate and speed.
{#-
    Incremental (issue 10): a build recomputes whole days - every agent's figures on the days of the
    complaints fct_complaints rewrote, and, only when a newer agents snapshot was loaded, on the days
    of the agents whose name or experience changed. The increment replaces those days whole (unique
    key complaint_date), so a complaint re-delivered with another agent leaves no stale row for the
    first one. (A re-delivery that moves a complaint to another day leaves the old day's figures
    until a --full-refresh; real deliveries keep a complaint's request day.)
-#}
{{ config(materialized='incremental', unique_key='complaint_date', meta={'publish': 'rows_built'}) }}

-- depends_on: {{ ref('stg_raw__customers') }}, {{ ref('stg_raw__agents') }}  (read by the incremental branch)
with

agents as (

    select * from {{ ref('dim_agents') }}

),

complaints as (

    select * from {{ ref('fct_complaints') }}
    {%- if is_incremental() %}
    where complaint_date in (
        select complaint_date from {{ ref('fct_complaints') }}
        where _built_at > {{ built_watermark() }}
    )
        {%- if snapshots_changed() %}
        or complaint_date in (
            select stored.complaint_date
            from {{ this }} as stored
            inner join agents on stored.agent_id = agents.agent_id
            where stored.agent_name is distinct from agents.agent_name
                or stored.experience_level is distinct from agents.experience_level
        )
        {%- endif %}
    {%- endif %}

),

daily as (

    select
        agent_id,
        complaint_date,
        count(*) as complaints_received,
        count(case when is_resolved then 1 end) as complaints_resolved,
        count(case when not is_resolved then 1 end) as complaints_unresolved,
        count(case when channel = 'call_center' then 1 end) as call_center_complaints,
        count(case when channel = 'social_media' then 1 end) as social_media_complaints,
        count(case when channel = 'web_form' then 1 end) as web_form_complaints,
        -- Speed is measured on resolved complaints only: an open one has no resolution time yet.
        median(case when is_resolved then resolution_minutes end) as median_resolution_minutes,
        avg(case when is_resolved then resolution_minutes end) as avg_resolution_minutes,
        max(_loaded_at) as _loaded_at
    from complaints
    group by agent_id, complaint_date

),

final as (

    select
        {{ dbt.hash("cast(daily.agent_id as " ~ dbt.type_string() ~ ") || '|' || cast(daily.complaint_date as " ~ dbt.type_string() ~ ")") }}
            as agent_day_key,
        daily.agent_id,
        agents.agent_name,
        agents.experience_level,
        daily.complaint_date,
        daily.complaints_received,
        daily.complaints_resolved,
        daily.complaints_unresolved,
        cast(daily.complaints_resolved * 1.0 / daily.complaints_received as numeric(9, 4)) as resolution_rate,
        cast(daily.median_resolution_minutes as numeric(18, 2)) as median_resolution_minutes,
        cast(daily.avg_resolution_minutes as numeric(18, 2)) as avg_resolution_minutes,
        daily.call_center_complaints,
        daily.social_media_complaints,
        daily.web_form_complaints,
        daily._loaded_at,
        {{ build_timestamp() }} as _built_at

    from daily
    inner join agents
        on daily.agent_id = agents.agent_id

)

select * from final
