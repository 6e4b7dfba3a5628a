{#
  The `changed_rows` incremental strategy, for a model computed whole on every build but of
  which a night changes few rows (the incidents, claims and people of all history, each row
  made again from the rows it is read from).

  Reading and comparing all history is cheap in DuckDB; writing it is not: a model of a few
  hundred thousand rows took a second to write again each night at five years, against a fifth
  of that to compare (docs/benchmarks.md). So the build computes every row, as a table would,
  into dbt's temporary relation, then changes in the model only what differs:
  - deletes the rows that no row of this build equals (gone, or changed),
  - inserts the rows of this build that the model does not hold (new, or changed).
  The model then holds exactly this build's rows, as a full build would.

  Rows are compared whole, every column (`is distinct from`, so nulls compare equal), among the
  rows of the same `unique_key`: the key only pairs rows up for the comparison, it decides
  nothing. The two steps are exact when the rows are distinct, which the key's uniqueness on
  both sides proves; if either side holds a key twice (a model whose unique test is about to
  fail), every row is replaced, which is again exactly this build's rows.

  Config: materialized='incremental', incremental_strategy='changed_rows', unique_key=[...],
  on_schema_change='fail'. `--full-refresh` builds the table from scratch, as for any model.
#}

{% macro get_incremental_changed_rows_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set built = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- if not key -%}
        {{ exceptions.raise_compiler_error("changed_rows: " ~ target ~ " needs a unique_key") }}
    {%- endif -%}
    {%- set key = [key] if key is string else key -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set keys_unique = '"' ~ this.identifier ~ '__keys_unique"' -%}

    create or replace temp table {{ keys_unique }} as
    select
        (select count(*) = count(distinct ({{ changed_rows_columns(key, 'built') }})) from {{ built }} as built)
        and (select count(*) = count(distinct ({{ changed_rows_columns(key, 'kept') }})) from {{ target }} as kept)
        as keys_unique;

    delete from {{ target }}
    where
        not (select keys_unique from temp.main.{{ keys_unique }})
        or rowid in (
            select kept.rowid
            from {{ target }} as kept
            left join (select *, true as _paired from {{ built }}) as built
                on {{ changed_rows_same_key(key, 'kept', 'built') }}
            where
                built._paired is null
                or ({{ changed_rows_columns(columns, 'kept') }}) is distinct from ({{ changed_rows_columns(columns, 'built') }})
        );

    insert into {{ target }} ({{ changed_rows_columns(columns) }})
    select {{ changed_rows_columns(columns, 'built') }}
    from {{ built }} as built
    where not exists (
        select 1 from {{ target }} as kept
        where {{ changed_rows_same_key(key, 'kept', 'built') }}
    );

    drop table temp.main.{{ keys_unique }}
{%- endmacro %}

{% macro changed_rows_columns(columns, relation=none) -%}
    {#- The columns, quoted, each prefixed with `relation.` when given, comma-separated. -#}
    {%- for column in columns -%}
        {{ relation ~ '.' if relation }}{{ adapter.quote(column) }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{% macro changed_rows_same_key(key, left, right) -%}
    {%- for column in key -%}
        {{ left }}.{{ adapter.quote(column) }} = {{ right }}.{{ adapter.quote(column) }}{{ ' and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
