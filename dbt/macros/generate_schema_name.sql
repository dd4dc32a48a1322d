{#-
    Custom schemas are used verbatim (`staging`, `intermediate`, `marts`) instead of dbt's default
    `<target schema>_<custom>`: the layers are fixed names other tools (BI, the loader's `raw`)
    rely on, on DuckDB and Snowflake alike.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
