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
  table's. The query's values are hashed as the table's types, so a column a contract casts
  compares as stored. The review app's snapshot is kept the same way, from the warehouse to its
  copy (src/dacall/review/snapshot.py).
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
        {%- if held | map(attribute='name') | list == queried | map(attribute='name') | list -%}
            {%- set columns = held -%}
        {%- endif -%}
    {%- endif -%}

    {%- if columns -%}
        {% call statement('main') -%}
            {{ changed_rows_written(target_relation, sql, columns) }}
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

{% macro changed_rows_written(relation, query, columns) -%}
    {#- The statements that bring `relation` (holding `columns`, as adapter.get_columns_in_relation
        gives them) to the rows of `query`: the groups of whole-row hashes whose counts differ,
        then their rows deleted and inserted. hash() is never null, so the changed groups' rows
        are found by `in`, a hash join. -#}
    {%- set changed = relation.identifier ~ '__changed_groups' -%}
    {%- set held_row -%}
        hash({% for column in columns %}rows.{{ adapter.quote(column.name) }}{{ ', ' if not loop.last }}{% endfor %})
    {%- endset -%}
    {%- set queried_row -%}
        hash({% for column in columns %}cast(rows.{{ adapter.quote(column.name) }} as {{ column.data_type }}){{ ', ' if not loop.last }}{% endfor %})
    {%- endset -%}
    {%- set listed -%}
        {% for column in columns %}{{ adapter.quote(column.name) }}{{ ', ' if not loop.last }}{% endfor %}
    {%- endset -%}
    create or replace temp table {{ changed }} as
    select coalesce(queried.grp, held.grp) as grp
    from (select {{ queried_row }} as grp, count(*) as n from ({{ query }}) as rows group by all) as queried
    full outer join (select {{ held_row }} as grp, count(*) as n from {{ relation }} as rows group by all) as held
        on queried.grp = held.grp
    where queried.n is distinct from held.n;
    delete from {{ relation }} as rows where {{ held_row }} in (select grp from {{ changed }});
    insert into {{ relation }} ({{ listed }})
    select {{ listed }} from ({{ query }}) as rows
    where {{ queried_row }} in (select grp from {{ changed }});
    drop table {{ changed }}
{%- endmacro %}
