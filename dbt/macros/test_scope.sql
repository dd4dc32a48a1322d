{#-
    Data tests check the rows the newest build wrote, not all of history (issue 10: a daily cost
    flat in history). dbt wraps the model a generic test reads in get_where_subquery; this project's
    version replaces the token `__newest_build__` of a test's `where` config (set for every test in
    dbt_project.yml) by a filter on the relation's own lineage column:

    - `_built_at` (the incremental marts, dim_customers): the rows of the newest build that wrote any;
    - else `_loaded_at` (staging and intermediate tables over complaint deliveries): the rows of the
      newest load;
    - else (or on --full-refresh, when one build writes every row) the whole relation.

    The filter is a subquery on the relation itself, resolved when the test runs: a later `dbt test`
    checks the same rows the build checked, never an empty set. Uniqueness across builds is the
    incremental strategy's job (delete+insert replaces every key an increment holds); the
    reconciliation test (tests/assert_fct_complaints_reconcile_with_raw.sql) checks that nothing is
    lost.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if '__newest_build__' in where -%}
        {%- set where = where | replace('__newest_build__', coretelecoms.newest_rows_filter(relation)) -%}
    {%- endif -%}
    {%- if where and where != 'true' -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{% macro newest_rows_filter(relation) -%}
    {%- if not execute or flags.FULL_REFRESH or relation is string -%}{{ return('true') }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- for lineage in ['_built_at', '_loaded_at'] if lineage in columns -%}
        {{ return(lineage ~ ' = (select max(' ~ lineage ~ ') from ' ~ relation ~ ')') }}
    {%- endfor -%}
    {{ return('true') }}
{%- endmacro %}
