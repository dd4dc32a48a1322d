{#-
    The only place DuckDB and Snowflake SQL differ. Every model calls these, never the functions
    themselves, so the models run unchanged on both warehouses.

    Patterns passed in avoid backslashes (use `[.]`, not `\.`): Snowflake string literals treat a
    backslash as an escape and DuckDB's do not, so a backslash would mean different things.
-#}

{#- Replace every match of `pattern` in `expr`. -#}
{% macro regex_replace(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace', 'coretelecoms')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regex_replace(expr, pattern, replacement) -%}
    {#- DuckDB replaces only the first match unless told 'g'; Snowflake replaces all. -#}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}


{#- True when `expr` matches `pattern`; callers anchor patterns (^…$) so partial and full match agree. -#}
{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'coretelecoms')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expr, pattern) -%}
    regexp_like({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}


{#- The text of capture group `group` of the first match, or null when nothing matches. -#}
{% macro regex_extract(expr, pattern, group) -%}
    {{ return(adapter.dispatch('regex_extract', 'coretelecoms')(expr, pattern, group)) }}
{%- endmacro %}

{% macro default__regex_extract(expr, pattern, group) -%}
    regexp_substr({{ expr }}, '{{ pattern }}', 1, 1, 'e', {{ group }})
{%- endmacro %}

{% macro duckdb__regex_extract(expr, pattern, group) -%}
    {#- DuckDB returns '' for no match where Snowflake returns null. -#}
    nullif(regexp_extract({{ expr }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}


{#- Hex SHA-256 of a text expression (pseudonymised PII in the One Big Table). -#}
{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'coretelecoms')(expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}

{% macro duckdb__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}


{#- ISO day of the week: 1 = Monday … 7 = Sunday, whatever the session's week settings. -#}
{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'coretelecoms')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    dayofweekiso({{ date_expr }})
{%- endmacro %}

{% macro duckdb__iso_day_of_week(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}


{#-
    Whether `relation` (a table or view) exists, asked of the warehouse's catalog, not of dbt's
    relation cache. On a cache miss dbt lists the schema and adds its relations to the cache one at
    a time, and the first one added marks the whole schema as cached: a model thread asking about
    the same schema meanwhile gets the partial list, so a table that exists looks missing (seen on
    CI: stg_raw__web_form_requests built from the empty shape while raw.web_form_requests existed).
    Snowflake has an information schema per database; DuckDB one for all catalogs.
-#}
{% macro relation_in_catalog(relation) -%}
    {{ return(adapter.dispatch('relation_in_catalog', 'coretelecoms')(relation)) }}
{%- endmacro %}

{% macro _count_in_catalog(tables, relation) -%}
    {%- set sql -%}
        select count(*) from {{ tables }}
        where lower(table_catalog) = lower('{{ relation.database }}')
          and lower(table_schema) = lower('{{ relation.schema }}')
          and lower(table_name) = lower('{{ relation.identifier }}')
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values()[0] | int > 0) }}
{%- endmacro %}

{% macro default__relation_in_catalog(relation) -%}
    {{ return(coretelecoms._count_in_catalog(relation.database ~ '.information_schema.tables', relation)) }}
{%- endmacro %}

{% macro duckdb__relation_in_catalog(relation) -%}
    {{ return(coretelecoms._count_in_catalog('information_schema.tables', relation)) }}
{%- endmacro %}
