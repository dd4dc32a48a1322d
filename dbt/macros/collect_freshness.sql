{#-
    Overrides dbt's collect_freshness so that a RAW table that is missing or empty (a day with no
    delivery) is reported as stale - a freshness *warning* - instead of a runtime error: the
    warehouse still builds from what did arrive, and the gap is visible.
    The stand-in "last loaded" time is the Unix epoch, which no real load can have.
-#}
{% macro collect_freshness(source, loaded_at_field, filter) %}
    {%- set existing = adapter.get_relation(
        database=source.database, schema=source.schema, identifier=source.identifier) -%}
    {%- set never_loaded = "cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- if existing is none -%}
        {{ log("RAW table " ~ source ~ " is missing: reporting it as stale", info=true) }}
    {%- endif -%}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select
        {%- if existing is none %}
            {{ never_loaded }} as max_loaded_at,
        {%- else %}
            coalesce(max({{ loaded_at_field }}), {{ never_loaded }}) as max_loaded_at,
        {%- endif %}
            {{ current_timestamp() }} as snapshotted_at
        {%- if existing is not none %}
        from {{ source }}
            {%- if filter %}
        where {{ filter }}
            {%- endif %}
        {%- endif %}
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{% endmacro %}
