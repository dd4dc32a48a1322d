{#-
    Select from a RAW source, or from an empty relation of the same shape when the table does not
    exist yet (a missing day, a fresh warehouse): the rest of the build must still run, and the
    source's freshness check is what reports the gap.

    The empty shape comes from the columns (with data_type) declared in the sources YAML, which is
    also the documented RAW contract.
-#}
{% macro source_or_empty(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and not coretelecoms.is_unit_test_input(relation) -%}
        {%- set existing = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
        {#- dbt's cache can answer "missing" for a table another thread is caching: ask the catalog. -#}
        {%- if existing is none and not coretelecoms.relation_in_catalog(relation) -%}
            {{ log("RAW table " ~ relation ~ " is missing: building " ~ model.name ~ " from an empty set", info=true) }}
            {{- coretelecoms.empty_source(source_name, table_name) -}}
        {%- else -%}
            select * from {{ relation }}
        {%- endif -%}
    {%- else -%}
        select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}


{% macro empty_source(source_name, table_name) -%}
    {%- set matches = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name) | list -%}
    {%- if not matches or not matches[0].columns -%}
        {{ exceptions.raise_compiler_error(
            "source " ~ source_name ~ "." ~ table_name ~ " declares no columns to build an empty shape from") }}
    {%- endif -%}
    select
    {%- for column in matches[0].columns.values() %}
        cast(null as {{ column.data_type }}) as {{ column.name }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0
{%- endmacro %}


{#- In a unit test, source() points at the fixture CTE, which is never in the catalog. -#}
{% macro is_unit_test_input(relation) -%}
    {{ return(model.resource_type == 'unit_test' or (relation.identifier or '').startswith('__dbt__cte__')) }}
{%- endmacro %}
