{#
  `changed_rows`: a table rebuilt from all history each night, written only where its rows
  changed.

  Some models are wide tables over all history (every incident, with its measures) whose query
  costs a fraction of writing its result: at five years of history, int_incidents_enriched's
  query takes 0.1 s and writing its 167,526 rows of 48 columns 0.9 s. A night changes a few
  hundred of those rows. So a build groups the rows of the query and of the table by a hash of
  the whole row (each group one row's value) and counts them on both sides; where a group's
  counts differ, a row was added, removed or changed, and only those groups' rows are deleted
  from the table and inserted from the query. The query is read twice (once hashed, once for
  the changed rows); nothing else of history is written. A change missed would need a changed
  row to hash as its old value: one chance in 2**64.

  The table is built whole, as dbt's `table` materialization builds it (a contract enforced on
  its columns), on a first build, a full refresh, or when the query's columns are not the
  table's, by name, order or type: a column whose type changed is never kept as it was (with a
  contract, dbt has already checked that the query's types are the contract's). When no group
  changed, nothing is deleted or inserted and the query is not read a second time.
  tests/test_changed_rows.py builds a small project with it. The review app's snapshot is kept
  the same way, from the warehouse to its copy (src/dacall/review/snapshot.py).
#}

{% materialization changed_rows, adapter='duckdb', supported_languages=['sql'] %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
    {%- set backup_relation = make_backup_relation(
        target_relation, 'table' if existing_relation is none else existing_relation.type
    ) -%}
    {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
    {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set columns = [] -%}
    {%- if existing_relation is not none and existing_relation.is_table and not should_full_refresh() -%}
        {%- set held = adapter.get_columns_in_relation(existing_relation) -%}
        {%- set queried = get_column_schema_from_query(sql) -%}
        {%- if changed_rows_layout(held) == changed_rows_layout(queried) -%}
            {%- set columns = held -%}
        {%- endif -%}
    {%- endif -%}

    {%- if columns -%}
        {%- set changed = target_relation.identifier ~ '__changed_groups' -%}
        {% call statement('changed_groups', fetch_result=True) -%}
            {{ changed_rows_groups(changed, target_relation, sql, columns) }}
        {%- endcall %}
        {%- set changed_groups = load_result('changed_groups')['data'][0][0] -%}
        {% call statement('main') -%}
            {%- if changed_groups > 0 %}
            {{ changed_rows_written(changed, target_relation, sql, columns) }};
            {%- endif %}
            drop table {{ changed }}
        {%- endcall %}
    {%- else -%}
        {% call statement('main') -%}
            {{ create_table_as(False, intermediate_relation, sql) }}
        {%- endcall %}
        {%- if existing_relation is not none -%}
            {{ adapter.rename_relation(existing_relation, backup_relation) }}
        {%- endif -%}
        {{ adapter.rename_relation(intermediate_relation, target_relation) }}
    {%- endif -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ drop_relation_if_exists(backup_relation) }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{% macro changed_rows_layout(columns) -%}
    {#- Columns as name and type, in order: the table's and the query's must be the same for the
        table to be kept. -#}
    {%- set layout = [] -%}
    {%- for column in columns %}{% do layout.append(column.name ~ ' ' ~ column.dtype) %}{% endfor -%}
    {{ return(layout) }}
{%- endmacro %}

{% macro changed_rows_hash(columns) -%}
    {#- One row's value as one hash (never null); the query's and the table's columns are of
        one type, so a row hashes the same on both sides. -#}
    hash({% for column in columns %}rows.{{ adapter.quote(column.name) }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro changed_rows_groups(changed, relation, query, columns) -%}
    {#- The groups of whole-row hashes whose counts differ between `query` and `relation`, into
        the temporary table `changed`, and how many there are. -#}
    create or replace temp table {{ changed }} as
    select coalesce(queried.grp, held.grp) as grp
    from (select {{ changed_rows_hash(columns) }} as grp, count(*) as n from ({{ query }}) as rows group by all) as queried
    full outer join (select {{ changed_rows_hash(columns) }} as grp, count(*) as n from {{ relation }} as rows group by all) as held
        on queried.grp = held.grp
    where queried.n is distinct from held.n;
    select count(*) from {{ changed }}
{%- endmacro %}

{% macro changed_rows_written(changed, relation, query, columns) -%}
    {#- The changed groups' rows deleted from `relation` and inserted from `query`, found by `in`
        on the hash (a hash join). -#}
    {%- set listed -%}
        {% for column in columns %}{{ adapter.quote(column.name) }}{{ ', ' if not loop.last }}{% endfor %}
    {%- endset -%}
    delete from {{ relation }} as rows where {{ changed_rows_hash(columns) }} in (select grp from {{ changed }});
    insert into {{ relation }} ({{ listed }})
    select {{ listed }} from ({{ query }}) as rows
    where {{ changed_rows_hash(columns) }} in (select grp from {{ changed }})
{%- endmacro %}
