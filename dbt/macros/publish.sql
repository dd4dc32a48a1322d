{#-
    Write-audit-publish (issue 11.4): `dbt build` writes the marts into the build schema
    (var marts_build_schema), tests them there, and only a build without a failure publishes them
    all at once into var marts_schema, the schema BI reads. A failed or killed build leaves the
    published marts as they were, consistent with each other.

    - on-run-start (`prepare_marts_build`): when the previous build did not publish (failed,
      killed), the incremental marts of the build schema may hold an unaudited increment; they are
      reset from the published ones (incremental models elsewhere, which have no published copy,
      are dropped and rebuilt whole), so every increment starts from an audited state.
    - on-run-end (`publish_marts`): every model of the marts folder (whoever adds it), published
      in one step - DuckDB: one transaction replacing each published table from the build;
      Snowflake: one ALTER SCHEMA ... SWAP WITH (a single atomic DDL; Snowflake cannot hold several
      DDL statements in one transaction, so per-table swaps would not be atomic together).

    The state of the last build ('building' or 'published') is kept in <target schema>.marts_publication.
-#}

{% macro _wap_active() -%}
    {#- Only commands that build models take part; `dbt test`, `compile`, `docs` leave the marts alone. -#}
    {{ return(execute and flags.WHICH in ('build', 'run')
              and var('marts_build_schema') != var('marts_schema')) }}
{%- endmacro %}


{#- The models of the marts folder, by identifier, with their materialization. -#}
{% macro _mart_models() -%}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.package_name == project_name
            and node.fqn[1] == 'marts' and node.config.materialized != 'ephemeral' -%}
        {%- do marts.append(node) -%}
    {%- endfor -%}
    {{ return(marts | sort(attribute='alias')) }}
{%- endmacro %}


{% macro _publication_table() -%}
    {{ return(target.schema ~ '.marts_publication') }}
{%- endmacro %}


{% macro _relation_exists(database, schema, identifier) -%}
    {{ return(adapter.get_relation(database=database, schema=schema, identifier=identifier) is not none) }}
{%- endmacro %}


{% macro prepare_marts_build() -%}
    {%- if not coretelecoms._wap_active() -%}{{ return('') }}{%- endif -%}
    {%- set state_table = coretelecoms._publication_table() -%}
    {% do run_query('create schema if not exists ' ~ target.schema) %}
    {% do run_query('create table if not exists ' ~ state_table ~ ' (state varchar, changed_at timestamp)') %}
    {%- set states = run_query('select state from ' ~ state_table).columns[0].values() -%}
    {%- if 'building' in states and not flags.FULL_REFRESH -%}
        {%- for node in coretelecoms._mart_models() if node.config.materialized == 'incremental' -%}
            {%- if coretelecoms._relation_exists(node.database, node.schema, node.alias)
                and coretelecoms._relation_exists(node.database, var('marts_schema'), node.alias) -%}
                {{ log("The last build did not publish: resetting " ~ node.schema ~ "." ~ node.alias
                       ~ " from the published " ~ var('marts_schema') ~ "." ~ node.alias, info=true) }}
                {% do run_query(coretelecoms.copy_table(node.database, var('marts_schema'), node.schema, node.alias)) %}
            {%- endif -%}
        {%- endfor -%}
        {#- Incremental models outside the marts have no published copy: rebuilt whole once. -#}
        {%- for node in graph.nodes.values()
                if node.resource_type == 'model' and node.package_name == project_name
                and node.fqn[1] != 'marts' and node.config.materialized == 'incremental' -%}
            {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- if relation is not none -%}
                {{ log("The last build did not publish: dropping " ~ relation ~ " to rebuild it whole", info=true) }}
                {% do adapter.drop_relation(relation) %}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {% do run_query('delete from ' ~ state_table) %}
    {% do run_query("insert into " ~ state_table ~ " values ('building', " ~ dbt.current_timestamp() ~ ")") %}
    {% do adapter.commit() %}
    {{ return('') }}
{%- endmacro %}


{#- `create or replace table <to>.<name> as select * from <from>.<name>`, fully qualified. -#}
{% macro copy_table(database, from_schema, to_schema, identifier) -%}
    {%- set source = api.Relation.create(database=database, schema=from_schema, identifier=identifier) -%}
    {%- set target_relation = api.Relation.create(database=database, schema=to_schema, identifier=identifier) -%}
    create or replace table {{ target_relation }} as select * from {{ source }}
{%- endmacro %}


{#-
    Whether `node`'s build can be published as its rewritten rows (see duckdb__publish_marts): an
    incremental mart that declares it stamps them, config meta {'publish': 'rows_built'}.
-#}
{% macro _publishes_increment(node) -%}
    {{ return(not flags.FULL_REFRESH and node.config.materialized == 'incremental'
              and node.config.meta.get('publish') == 'rows_built' and node.config.unique_key is string
              and coretelecoms._relation_exists(node.database, var('marts_schema'), node.alias)) }}
{%- endmacro %}


{#- Publish only a build in which nothing failed (warnings are fine: they only count). -#}
{% macro publish_marts(results) -%}
    {%- if not coretelecoms._wap_active() -%}{{ return('') }}{%- endif -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
    {%- if failed -%}
        {{ log("Not publishing the marts: " ~ (failed | length) ~ " node(s) failed; "
               ~ var('marts_schema') ~ " keeps the last published build", info=true) }}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('publish_marts', 'coretelecoms')()) }}
{%- endmacro %}


{#-
    DuckDB: one transaction - every statement through dbt's connection, which opens it on the first
    (the relation lookups may already have), committed once at the end; a kill before the commit
    leaves the published marts as they were.
    An incremental mart that stamps the rows a build writes (_built_at) and says so (meta publish:
    rows_built) publishes only those rows: the published copy equals the build's state before this
    build (it was published, or reset from it), so replacing the rewritten keys makes the two equal
    again at the day's cost, not the history's. Every other mart, a full refresh or a first publish
    copies the whole table.
-#}
{% macro duckdb__publish_marts() -%}
    {%- set published = var('marts_schema') -%}
    {% do run_query('create schema if not exists ' ~ published) %}
    {%- for node in coretelecoms._mart_models()
            if coretelecoms._relation_exists(node.database, node.schema, node.alias) -%}
        {%- if coretelecoms._publishes_increment(node) -%}
            {%- set build = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- set target_relation = api.Relation.create(database=node.database, schema=published, identifier=node.alias) -%}
            {%- set key = node.config.unique_key -%}
            {%- set written = 'select * from ' ~ build ~ ' where _built_at = ' ~ coretelecoms.build_timestamp() -%}
            {% do run_query('delete from ' ~ target_relation ~ ' where ' ~ key
                            ~ ' in (select ' ~ key ~ ' from (' ~ written ~ ') as written)') %}
            {% do run_query('insert into ' ~ target_relation ~ ' ' ~ written) %}
            {#- A build may also delete rows (forget_departed_customers); then the counts differ and
                the published keys the build no longer holds go too. Counting is metadata on DuckDB,
                so the anti-join over every key runs only on such a day. -#}
            {%- set counts = run_query('select (select count(*) from ' ~ build ~ ') - (select count(*) from '
                                       ~ target_relation ~ ')').columns[0].values()[0] -%}
            {%- if counts != 0 %}
                {% do run_query('delete from ' ~ target_relation ~ ' where ' ~ key ~ ' not in (select '
                                ~ key ~ ' from ' ~ build ~ ')') %}
            {%- endif -%}
        {%- else -%}
            {% do run_query(coretelecoms.copy_table(node.database, node.schema, published, node.alias)) %}
        {%- endif -%}
    {%- endfor -%}
    {% do run_query('delete from ' ~ coretelecoms._publication_table()) %}
    {% do run_query("insert into " ~ coretelecoms._publication_table()
                    ~ " values ('published', " ~ dbt.current_timestamp() ~ ")") %}
    {% do adapter.commit() %}
    {{ return('') }}
{%- endmacro %}


{#-
    Snowflake: the build schema and the published one swap names in one atomic DDL. The build
    schema then holds the marts published *before* this build, so each incremental mart there is
    replaced by a zero-copy clone of the one just published: the next build's increment starts from
    what this build wrote, as on DuckDB. Without it the next build would run its incremental models
    against the marts of the build before - after a --full-refresh, the marts from before the
    refresh - and the watermark models (data_quality_daily, customer_health_weekly, backlog_daily:
    `max(source_loaded_at) from this`) would skip every day that build had not seen. The state
    turns 'published' only after the clones: if one fails, the next build resets the build schema
    from the published marts (prepare_marts_build).
-#}
{% macro default__publish_marts() -%}
    {%- set database = target.database -%}
    {%- set published = var('marts_schema') -%}
    {% do run_query('create schema if not exists ' ~ database ~ '.' ~ published) %}
    {% do run_query('alter schema ' ~ database ~ '.' ~ var('marts_build_schema')
                    ~ ' swap with ' ~ database ~ '.' ~ published) %}
    {#- Asked of the catalog: dbt's relation cache predates the swap. -#}
    {%- set swapped_in = run_query("select lower(table_name) from " ~ database ~ ".information_schema.tables"
                                   ~ " where lower(table_schema) = lower('" ~ published ~ "')").columns[0].values() -%}
    {%- for node in coretelecoms._mart_models() if node.config.materialized == 'incremental' -%}
        {%- if node.alias | lower in swapped_in -%}
            {%- set source = api.Relation.create(database=node.database, schema=published, identifier=node.alias) -%}
            {%- set build = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
            {% do run_query('create or replace table ' ~ build ~ ' clone ' ~ source) %}
        {%- endif -%}
    {%- endfor %}
    {% do run_query('delete from ' ~ coretelecoms._publication_table()) %}
    {% do run_query("insert into " ~ coretelecoms._publication_table()
                    ~ " values ('published', " ~ dbt.current_timestamp() ~ ")") %}
    {% do adapter.commit() %}
    {{ return('') }}
{%- endmacro %}
