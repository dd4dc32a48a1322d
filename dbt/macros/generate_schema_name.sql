{#-
    Custom schemas are used verbatim (`staging`, `intermediate`, `marts`) instead of dbt's default
    `<target schema>_<custom>`: the layers are fixed names other tools (BI, the loader's `raw`)
    rely on, on DuckDB and Snowflake alike. The marts folder builds into var marts_build_schema,
    from which a successful build publishes into var marts_schema (macros/publish.sql).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == var('marts_schema') -%}
        {{ var('marts_build_schema') }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
