{#-
    Helpers of the Customer-Success marts (issue 14): the SLA lookup, and the incremental rebuild
    window those marts share.
-#}

{#- Days a complaint of `category` may stay open: var backlog_sla_days, else its Unknown entry. -#}
{% macro backlog_sla_days(category) -%}
    {%- set sla = var('backlog_sla_days') -%}
    case {{ category }}
    {%- for name, days in sla.items() if name != 'Unknown' %}
        when '{{ name }}' then {{ days | int }}
    {%- endfor %}
        else {{ sla.get('Unknown', 7) | int }}
    end
{%- endmacro %}


{#-
    The first delivery day an incremental Customer-Success mart must recompute from: the earliest
    delivery loaded after the newest load the stored table already reflects (its max
    `source_loaded_at`). A new day, or an old day loaded again, thus rebuilds that day and every
    later one - nothing earlier, whose inputs did not change. `deliveries` has one row per
    delivery day: `snapshot_date` and `loaded_at`. On a full build everything is rebuilt.
-#}
{% macro cs_rebuild_from(deliveries) -%}
    {%- if is_incremental() -%}
        (select coalesce(min(snapshot_date), cast('9999-12-31' as date)) from {{ deliveries }}
         where loaded_at > {{ coretelecoms.stored_watermark('source_loaded_at') }})
    {%- else -%}
        cast('0001-01-01' as date)
    {%- endif -%}
{%- endmacro %}



{#-
    The same first day as cs_rebuild_from, as the literal Monday of its week, read before the model
    runs (`history` has one row per status delivery: status_date, _loaded_at). As a literal it lets
    the warehouse skip older blocks instead of reading all of history to compare. A full build (or
    a parse) starts at 1900-01-01, a Monday before any complaint; nothing loaded since the last
    build gives a Monday after all of them.
-#}
{% macro cs_rebuild_week(history, week_of) -%}
    {%- if not (execute and is_incremental()) -%}{{ return("cast('1900-01-01' as date)") }}{%- endif -%}
    {%- set first_day -%}
        select cast({{ week_of | replace('{d}', 'min(status_date)') }} as {{ dbt.type_string() }})
        from {{ history }}
        where _loaded_at > {{ coretelecoms.stored_watermark('source_loaded_at') }}
    {%- endset -%}
    {%- set monday = run_query(first_day).columns[0].values()[0] -%}
    {{ return("cast('" ~ (monday or '9999-12-27') ~ "' as date)") }}
{%- endmacro %}

{#- How many of the channels (var channels) occur among the rows where `condition` holds. -#}
{% macro channels_counted(condition) -%}
    {%- for channel in var('channels') -%}
    max(case when {{ condition }} and channel = '{{ channel }}' then 1 else 0 end){{ ' + ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#-
    A post-hook for incremental models keyed by known customers: after a build that took a newer
    customers snapshot (dim_customers rebuilt), the rows of customers it no longer holds go - a
    full build would never have written them (an accepted shrink, a deleted account).
-#}
{% macro forget_departed_customers() -%}
    {%- if execute and is_incremental() -%}
        {%- set customers = ref('dim_customers') -%}
        {%- set rebuilt = run_query('select count(*) from ' ~ customers ~ ' where _built_at = '
                                    ~ coretelecoms.build_timestamp()).columns[0].values()[0] -%}
        {%- if rebuilt -%}
    delete from {{ this }} where customer_id not in (select customer_id from {{ customers }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
