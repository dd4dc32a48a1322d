{#-
    Overrides dbt's collect_freshness so that a RAW table that is missing or empty (a day with no
    delivery) is reported as stale - a freshness *warning* - instead of a runtime error: the
    warehouse still builds from what did arrive, and the gap is visible.
    A table with rows goes through the adapter's own implementation; a missing or empty one reports
    the Unix epoch as its last load, which no real load can have.
-#}
{% macro collect_freshness(source, loaded_at_field, filter) %}
    {%- set existing = adapter.get_relation(
        database=source.database, schema=source.schema, identifier=source.identifier) -%}
    {%- if existing is not none -%}
        {%- set loaded -%}
            select count({{ loaded_at_field }}) from {{ source }}
            {%- if filter %} where {{ filter }}{% endif %}
        {%- endset -%}
        {%- if run_query(loaded).columns[0].values()[0] > 0 -%}
            {{ return(adapter.dispatch('collect_freshness', 'dbt')(source, loaded_at_field, filter)) }}
        {%- endif -%}
        {{ log("RAW table " ~ source ~ " is empty: reporting it as stale", info=true) }}
    {%- else -%}
        {{ log("RAW table " ~ source ~ " is missing: reporting it as stale", info=true) }}
    {%- endif -%}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select
            cast('1970-01-01 00:00:00' as {{ dbt.type_timestamp() }}) as max_loaded_at,
            {{ current_timestamp() }} as snapshotted_at
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{% endmacro %}
