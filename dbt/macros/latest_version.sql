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

  Most nights no raw row is gone, and then the records to rank are fewer still: those with a row
  loaded since the model's last build. Each row the model writes carries two marks of raw as
  that build found it (`raw_marks`): how many rows raw held, and the latest `_loaded_at` among
  them. Raw rows are only added, with a later `_loaded_at`, or deleted (a day redelivered, a
  file withdrawn, an erasure, the retention sweep); so where raw still holds as many rows
  loaded no later than a build's latest as that build counted, none of the rows it read is gone,
  no record can be gone, and every record whose rows changed has a row loaded after it
  (`raw_read_until`). Matching every raw row against the kept rows to find them (a million of
  each for the five-year log) is then left out, and so is the pre-hook's delete.
#}

{% macro raw_marks(relation) -%}
    {#- The two marks of the raw relation each row of a model incremental by record carries:
        how many rows raw held when the row was written, and the latest raw stamp then. -#}
    (select count(*) from {{ relation }}) as raw_rows_held,
    (select max(_loaded_at) from {{ relation }}) as raw_loaded_until
{%- endmacro %}

{% macro raw_read_until(relation) -%}
    {#- The latest `_loaded_at` of `relation` a build of this model read, as text, when every raw
        row that build read is held still: only rows loaded later can make a record's latest
        version other than the row kept. None when a row may be gone (or nothing is held, or on
        a full build): then every record is matched against the rows kept, as before. Asked
        when the model is compiled and again when its pre-hook runs; raw does not change
        between the two. -#}
    {%- if not execute or not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {%- set asked -%}
        with marks as (
            -- The latest build's marks. Builds that found the same latest stamp can only have
            -- counted fewer rows as time went on (rows deleted): the least count is the latest.
            select raw_loaded_until as loaded_until, min(raw_rows_held) as rows_held
            from {{ this }}
            where raw_loaded_until = (select max(raw_loaded_until) from {{ this }})
            group by raw_loaded_until
        )
        select cast(marks.loaded_until as varchar)
        from marks
        where marks.rows_held = (
            select count(*) from {{ relation }} as delivered
            where delivered._loaded_at <= (select loaded_until from marks)
        )
    {%- endset -%}
    {%- set found = run_query(asked).rows -%}
    {{ return(found[0][0] if found | length > 0 else none) }}
{%- endmacro %}

{% macro latest_version_not_kept(relation, key, kept_key, read_until=none) -%}
    {#- `read_until`: raw_read_until(relation), asked by the model itself (so that a unit test
        can set it). -#}
    {%- set ranked = relation -%}
    {%- if is_incremental() -%}
        {%- set ranked = rows_of_records(relation, key, records_not_kept(relation, key, kept_key, read_until)) -%}
    {%- endif %}
    select latest.* from ({{ latest_version(ranked, key) }}) as latest
    {%- if is_incremental() %}
    anti join {{ this }} as kept on {{ same_kept_row('kept', kept_key, 'latest', key) }}
    {%- endif %}
{%- endmacro %}

{% macro records_not_kept(relation, key, kept_key, read_until=none) -%}
    {#- The records (their keys, as a query) with a row in `relation` that is not the row this
        model keeps for them: a new version, an older one superseded, or any row of a record
        whose kept row the pre-hook dropped. With `read_until` (raw_read_until), the records
        with a row loaded after it: no row read before is gone, so only theirs can have changed. -#}
    select distinct {{ record_key(key) | join(', ') }}
    from {{ relation }} as delivered
    {%- if read_until %}
    where delivered._loaded_at > cast('{{ read_until }}' as timestamp)
    {%- else %}
    anti join {{ this }} as kept on {{ same_kept_row('kept', kept_key, 'delivered', key) }}
    {%- endif %}
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
    {#- Nothing where no raw row read by the last build is gone (raw_read_until): then no
        record is gone either. -#}
    {%- if is_incremental() and not raw_read_until(relation) -%}
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
