{#
  A feed that re-delivers a record sends it whole again: the version that counts is the one in
  the latest file, and within a file the later line. `latest_version` selects that version of
  each record of `relation`, the record identified by the column `key`.
#}
{% macro latest_version(relation, key) -%}
    select * from {{ relation }}
    qualify row_number() over (
        partition by {{ record_key(key) | join(', ') }} order by _file desc, _line desc
    ) = 1
{%- endmacro %}

{% macro record_key(key) -%}
    {#- A record's key as a list of columns: one column, or several (a log entry's incident and
        number). -#}
    {%- if key is string -%}{{ return([key]) }}{%- endif -%}
    {{ return(key) }}
{%- endmacro %}

{% macro same_record(kept, kept_key, other, key) -%}
    {%- for mine, theirs in zip(record_key(kept_key), record_key(key)) -%}
        {{ ' and ' if not loop.first }}{{ kept }}.{{ mine }} = {{ other }}.{{ theirs }}
    {%- endfor -%}
{%- endmacro %}

{#
  Incremental by record: a staging model that keeps the latest version of each record, and
  whose costly part is normalising it (Python UDFs), picks the latest version of every record
  from raw on each build but reads only the records whose latest version (file, line, sha256)
  is not the row it keeps (`latest_version_not_kept`). Those rows are replaced (delete+insert
  on the record's key) and the records raw no longer holds are dropped
  (`delete_records_gone_from`, its pre-hook). The model's rows then equal a full build's: each
  row is made from its record's latest raw row alone.

  On an incremental build the latest version is looked for only among the records with a raw
  row that is not the row kept (a new version, an older one superseded, or any row of a record
  whose kept row the pre-hook dropped). A record all of whose raw rows are the kept row has
  that row as its latest version already. Ranking the versions of every record of all history
  each night was most of this macro's cost at five years.
#}
{% macro latest_version_not_kept(relation, key, kept_key) -%}
    {%- set ranked = relation -%}
    {%- if is_incremental() -%}
        {%- set ranked = rows_of_records(relation, key, records_not_kept(relation, key, kept_key)) -%}
    {%- endif %}
    select latest.* from ({{ latest_version(ranked, key) }}) as latest
    {%- if is_incremental() %}
    anti join {{ this }} as kept on {{ same_kept_row('kept', kept_key, 'latest', key) }}
    {%- endif %}
{%- endmacro %}

{% macro records_not_kept(relation, key, kept_key) -%}
    {#- The records (their keys, as a query) with a row in `relation` that is not the row this
        model keeps for them: a new version, an older one superseded, or any row of a record
        whose kept row the pre-hook dropped. -#}
    select distinct {{ record_key(key) | join(', ') }}
    from {{ relation }} as delivered
    anti join {{ this }} as kept on {{ same_kept_row('kept', kept_key, 'delivered', key) }}
{%- endmacro %}

{% macro rows_of_records(relation, key, records) -%}
    {#- Every row of `relation` of the records in the query `records` (their keys), as a subquery.
        Null-safe: a record without a key (were a feed's key made optional) is read every night,
        as a full build reads it. -#}
    (select delivered.* from {{ relation }} as delivered
    semi join ({{ records }}) as changed
        on {% for column in record_key(key) -%}
            {{ ' and ' if not loop.first }}changed.{{ column }} is not distinct from delivered.{{ column }}
        {%- endfor %})
{%- endmacro %}

{% macro same_kept_row(kept, kept_key, raw, key) -%}
    {#- The model's row `kept` was made from the raw row `raw`: the same record, file, line and
        file content. -#}
    {{ same_record(kept, kept_key, raw, key) }}
    and {{ kept }}.source_file = {{ raw }}._file
    and {{ kept }}.source_line = {{ raw }}._line
    and {{ kept }}.source_sha256 = {{ raw }}._sha256
{%- endmacro %}

{% macro delete_records_gone_from(relation, key, kept_key) -%}
    {%- if is_incremental() -%}
        {#- By rowid from an anti join: DuckDB plans `not exists` here as a dependent join, which
            took three times as long over the five-year log. -#}
        delete from {{ this }}
        where rowid in (
            select kept.rowid
            from {{ this }} as kept
            anti join {{ relation }} as delivered
                on {{ same_record('kept', kept_key, 'delivered', key) }}
        )
    {%- endif -%}
{%- endmacro %}
