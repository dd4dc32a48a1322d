{#-
    The incremental rules shared by the models that do only the day's work (issue 10).

    Every increment is found from the model's own stored rows - the newest RAW load they reflect
    (`_loaded_at`) - never from "the last run": a failed build, a skipped day, or Snowflake's
    schema swap (which leaves the build schema one publish behind) all catch up by themselves, and
    a re-run with nothing new writes nothing.
-#}

{#-
    The newest value of `column` (a timestamp) among this model's stored rows: its increment's
    watermark; an empty table reflects nothing. Read when the model runs and written as a literal,
    so the warehouse skips the blocks of older loads (min/max pruning) instead of reading all of
    history to compare each row with a subquery's result.
-#}
{% macro stored_watermark(column) -%}
    {%- if execute and is_incremental() -%}
        {{ coretelecoms.newest_timestamp(this, column) or "'1970-01-01 00:00:00'" }}
    {%- else -%}
        (select coalesce(max({{ column }}), cast('1970-01-01' as {{ dbt.type_timestamp() }})) from {{ this }})
    {%- endif -%}
{%- endmacro %}


{#-
    The newest value of the timestamp `column` of `relation`, read now, as a quoted literal; none
    when the relation has no rows. ISO text with microseconds and, for a time-zone-aware column, its
    offset: the warehouse reads the literal as the compared column's own type, so the instant is exact.
-#}
{% macro newest_timestamp(relation, column) -%}
    {%- set newest = run_query('select max(' ~ column ~ ') from ' ~ relation).columns[0].values()[0] -%}
    {%- if newest is none -%}{{ return(none) }}{%- endif -%}
    {{ return("'" ~ (newest if newest is string else newest.isoformat(sep=' ')) ~ "'") }}
{%- endmacro %}


{#- The newest RAW load this model's stored rows reflect. -#}
{% macro loaded_watermark() -%}
    {{ coretelecoms.stored_watermark('_loaded_at') }}
{%- endmacro %}


{#- The newest build of fct_complaints this mart's stored rows reflect (their _built_at). -#}
{% macro built_watermark() -%}
    {{ coretelecoms.stored_watermark('_built_at') }}
{%- endmacro %}


{#-
    The RAW rows a latest-wins staging model must (re)consider: on a full build all of them; on an
    incremental one the rows of loads newer than the stored ones - which then compete only with
    each key's stored winner (stored_winners) - plus, only when one of those loads replaced a day
    already stored, every older delivery of each stored key whose winning version came from that
    day (the new load may have dropped it, and an older delivery then wins again). A normal day
    thus reads only its own RAW rows. `raw_key` is the key as staging cleans it, written over RAW's
    columns; `key` is the staging column.
-#}
{% macro redelivered_rows(source_name, table_name, raw_key, key) -%}
    {%- set raw_rows = coretelecoms.source_or_empty(source_name, table_name) -%}
    select * from ({{ raw_rows }}) as raw_rows
    {%- if is_incremental() %}
    where _loaded_at > {{ coretelecoms.loaded_watermark() }}
        {%- if coretelecoms._reloads_stored_days(raw_rows) %}
    union all
    select * from ({{ raw_rows }}) as raw_rows
    where _loaded_at <= {{ coretelecoms.loaded_watermark() }}
        and {{ raw_key }} in (
            select {{ key }} from {{ this }}
            where _ingest_date in ({{ coretelecoms._newly_loaded_days(raw_rows) }})
        )
        {%- endif %}
    {%- endif %}
{%- endmacro %}


{#-
    On an incremental build, the stored winner of each key a newer load delivered: `union all` rows
    that compete with the newly loaded ones under latest_delivery. A winner whose day was loaded
    again is left out - redelivered_rows brings that key's RAW deliveries instead. The keys are
    read from RAW again rather than from the model's CTE, so that the warehouse filters the stored
    rows by them as it scans (a join filter) instead of reading every stored row first.
-#}
{% macro stored_winners(source_name, table_name, raw_key, key) -%}
    {%- if is_incremental() %}
    {%- set raw_rows = coretelecoms.source_or_empty(source_name, table_name) %}
    union all
    select * from {{ this }}
    where {{ key }} in (
            select {{ raw_key }} from ({{ raw_rows }}) as loaded
            where _loaded_at > {{ coretelecoms.loaded_watermark() }}
        )
        and _ingest_date not in ({{ coretelecoms._newly_loaded_days(raw_rows) }})
    {%- endif %}
{%- endmacro %}


{#- The delivery days of the RAW loads newer than this model's rows. -#}
{% macro _newly_loaded_days(raw_rows) -%}
    select distinct _ingest_date from ({{ raw_rows }}) as loaded
    where _loaded_at > {{ coretelecoms.loaded_watermark() }} and _ingest_date is not null
{%- endmacro %}


{#- Whether a newer load replaced a day this model already holds rows of (asked when it runs). -#}
{% macro _reloads_stored_days(raw_rows) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set stored = run_query('select count(*) from ' ~ this ~ ' where _ingest_date in ('
                               ~ coretelecoms._newly_loaded_days(raw_rows) ~ ')').columns[0].values()[0] -%}
    {{ return(stored > 0) }}
{%- endmacro %}


{#-
    One row per `key`: the latest delivery wins (delivery day, then load time); among rows of the
    same delivery the `tiebreak` columns decide, so exact duplicates collapse and the winner is
    the same on every warehouse and every run.
-#}
{% macro latest_delivery(key, tiebreak) -%}
    qualify row_number() over (
        partition by {{ key }}
        order by _ingest_date desc, _loaded_at desc, {{ tiebreak | join(', ') }}
    ) = 1
{%- endmacro %}


{#- The build's start, stamped on the rows an incremental mart (re)writes: its readers' watermark. -#}
{% macro build_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#- On an incremental build, only the RAW rows of loads newer than the stored ones. -#}
{% macro newer_loads_only() -%}
    {%- if is_incremental() -%}
    where _loaded_at > {{ coretelecoms.loaded_watermark() }}
    {%- endif -%}
{%- endmacro %}


{#-
    Whether a customers or agents delivery newer than this model's rows was loaded: only then can a
    stored complaint's customer or agent have become known or unknown (an unchanged snapshot is not
    stored again, so RAW gains no rows). Asked at run time; a full build or a parse says yes.
-#}
{% macro snapshots_changed() -%}
    {%- if not (execute and is_incremental()) -%}{{ return(true) }}{%- endif -%}
    {%- set newest = [] -%}
    {%- for snapshot in ['stg_raw__customers', 'stg_raw__agents'] -%}
        {%- do newest.append('(select max(_loaded_at) from ' ~ ref(snapshot) ~ ') > ' ~ coretelecoms.loaded_watermark()) -%}
    {%- endfor -%}
    {%- set answer = run_query('select coalesce(' ~ newest | join(' or ') ~ ', false)').columns[0].values()[0] -%}
    {{ return(answer) }}
{%- endmacro %}


{#-
    A snapshot source (customers, agents: re-delivered whole) as its staging model reads it: only the
    newest stored delivery, and on an incremental build only when it was loaded after the stored
    rows - otherwise nothing, and the model keeps what it has (an unchanged snapshot is not even
    stored again). The model's unique key is the constant `_snapshot`, so a newer snapshot replaces
    every stored row, customers that left it included.
-#}
{% macro newest_snapshot(source_name, table_name) -%}
    {%- set deliveries = coretelecoms.source_or_empty(source_name, table_name) -%}
    select * from ({{ deliveries }}) as deliveries
    where _ingest_date = (select max(_ingest_date) from ({{ deliveries }}) as newest)
    {%- if is_incremental() %}
        and _loaded_at > {{ coretelecoms.loaded_watermark() }}
    {%- endif %}
{%- endmacro %}


{#-
    One row per `key` of a snapshot delivery in `relation`: exact duplicates collapse, and two
    differing rows for one id (never seen, but possible) resolve by the `tiebreak` columns rather
    than by chance.
-#}
{% macro one_row_per(relation, key, tiebreak) -%}
    select * from {{ relation }}
    qualify row_number() over (
        partition by {{ key }}
        order by _loaded_at desc, {{ tiebreak | join(', ') }}
    ) = 1
{%- endmacro %}
