{#-
    The backlog as it stood on each delivery day (issue 14.2): one row per snapshot_date, channel and
    category - every combination, zeros included, so a day's grid is always whole. A complaint is open
    on day D when it was requested on or before D and the latest status delivered on or before D is
    not Resolved; its age is D minus its request day, and it is over its SLA when that age exceeds
    the category's days in var backlog_sla_days.

    Incremental so a day's cost stays flat: only snapshot days from the earliest delivery loaded
    since the last build are recomputed (macro cs_rebuild_from), each from the status history.
-#}
{{ config(materialized='incremental', unique_key='backlog_key', meta={'publish': 'rows_built'}) }}

with

history as (

    select * from {{ ref('int_complaint_status_history') }}

),

deliveries as (

    select status_date as snapshot_date, max(_loaded_at) as loaded_at
    from history
    group by status_date

),

snapshots as (

    select
        snapshot_date,
        -- The newest load reflected in this day's figures: the incremental watermark.
        max(loaded_at) over (order by snapshot_date rows between unbounded preceding and current row)
            as source_loaded_at
    from deliveries

),

to_build as (

    select * from snapshots
    where snapshot_date >= {{ cs_rebuild_from('deliveries') }}

),

grid as (

    select to_build.snapshot_date, to_build.source_loaded_at, channels.channel, categories.complaint_category
    from to_build
    cross join (
        {%- for channel in var('channels') %}
        select '{{ channel }}' as channel{{ " union all" if not loop.last }}
        {%- endfor %}
    ) as channels
    cross join (
        {%- for category in var('complaint_categories') + ['Unknown'] %}
        select '{{ category }}' as complaint_category{{ " union all" if not loop.last }}
        {%- endfor %}
    ) as categories

),

open_on_day as (

    select
        to_build.snapshot_date,
        history.channel,
        history.complaint_category,
        {{ dbt.datediff('history.complaint_date', 'to_build.snapshot_date', 'day') }} as age_days
    from to_build
    inner join history
        on history.status_date <= to_build.snapshot_date
        and (history.next_status_date is null or to_build.snapshot_date < history.next_status_date)
    where history.resolution_status <> 'Resolved'
        and history.complaint_date <= to_build.snapshot_date

),

open_counts as (

    select
        snapshot_date,
        channel,
        complaint_category,
        count(*) as open_complaints,
        count(case when age_days <= 1 then 1 end) as open_age_0_1_days,
        count(case when age_days between 2 and 7 then 1 end) as open_age_2_7_days,
        count(case when age_days between 8 and 30 then 1 end) as open_age_8_30_days,
        count(case when age_days > 30 then 1 end) as open_age_over_30_days,
        count(case when age_days > {{ backlog_sla_days('complaint_category') }} then 1 end) as open_over_sla,
        max(age_days) as oldest_open_age_days
    from open_on_day
    group by snapshot_date, channel, complaint_category

),

day_events as (

    -- What the day's delivery changed: complaints seen for the first time, and ones it resolved.
    select
        history.status_date as snapshot_date,
        history.channel,
        history.complaint_category,
        count(case when history.is_first_delivery then 1 end) as new_complaints,
        count(case when history.is_transition and history.resolution_status = 'Resolved' then 1 end)
            as resolved_complaints
    from history
    inner join to_build
        on history.status_date = to_build.snapshot_date
    group by history.status_date, history.channel, history.complaint_category

),

final as (

    select
        {{ dbt.hash("cast(grid.snapshot_date as " ~ dbt.type_string() ~ ") || '|' || grid.channel || '|' || grid.complaint_category") }}
            as backlog_key,
        grid.snapshot_date,
        grid.channel,
        grid.complaint_category,
        coalesce(open_counts.open_complaints, 0) as open_complaints,
        coalesce(open_counts.open_age_0_1_days, 0) as open_age_0_1_days,
        coalesce(open_counts.open_age_2_7_days, 0) as open_age_2_7_days,
        coalesce(open_counts.open_age_8_30_days, 0) as open_age_8_30_days,
        coalesce(open_counts.open_age_over_30_days, 0) as open_age_over_30_days,
        {{ backlog_sla_days('grid.complaint_category') }} as sla_days,
        coalesce(open_counts.open_over_sla, 0) as open_over_sla,
        open_counts.oldest_open_age_days,
        coalesce(day_events.new_complaints, 0) as new_complaints,
        coalesce(day_events.resolved_complaints, 0) as resolved_complaints,
        grid.source_loaded_at,
        {{ build_timestamp() }} as _built_at

    from grid
    left join open_counts
        on grid.snapshot_date = open_counts.snapshot_date
        and grid.channel = open_counts.channel
        and grid.complaint_category = open_counts.complaint_category
    left join day_events
        on grid.snapshot_date = day_events.snapshot_date
        and grid.channel = day_events.channel
        and grid.complaint_category = day_events.complaint_category

)

select * from final
