{#
  Incremental models kept row for row in step with the rows they are read from.

  Each row of such a model carries the key of the row it was read from (for staging: the raw
  row's file, line and the file's sha256). A build then
  - deletes the rows whose source row is gone (a day redelivered or withdrawn, an erasure, the
    retention sweep): `delete_rows_gone_from`, run as the model's pre-hook;
  - reads only the source rows it has not read yet: `only_rows_not_yet_read`.
  Whatever changed upstream, the model ends equal to a full build of the same input, while its
  costly per-row work (normalising search texts, parsing log entries) is done once per row
  delivered. Both are anti-joins on the key, so DuckDB hash-joins them.
#}

{% macro raw_row_key() -%}
    {#- A staging row's columns naming the raw row it was read from, and the raw columns. -#}
    {{ return({'source_file': '_file', 'source_line': '_line', 'source_sha256': '_sha256'}) }}
{%- endmacro %}

{% macro log_entry_key() -%}
    {#- A log entry as stg_cc_log keeps it: its incident, number and the delivery it came from. -#}
    {{ return(['incident_urn', 'log_seq', 'source_file', 'source_sha256']) }}
{%- endmacro %}

{#- In both macros `key` is this model's columns and the upstream ones they match, as a mapping,
    or a list of columns named the same on both sides. -#}
{% macro delete_rows_gone_from(source_relation, key) -%}
    {%- if key is not mapping -%}{%- set key = dict(zip(key, key)) -%}{%- endif -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as kept
        where not exists (
            select 1 from {{ source_relation }} as upstream
            where
            {%- for mine, theirs in key.items() %}
                {{ 'and ' if not loop.first }}upstream.{{ theirs }} = kept.{{ mine }}
            {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{% macro only_rows_not_yet_read(alias, key) -%}
    {%- if key is not mapping -%}{%- set key = dict(zip(key, key)) -%}{%- endif -%}
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as kept
            where
            {%- for mine, theirs in key.items() %}
                {{ 'and ' if not loop.first }}kept.{{ mine }} = {{ alias }}.{{ theirs }}
            {%- endfor %}
        )
    {%- endif %}
{%- endmacro %}

{% macro raw_rows_not_yet_staged(feed) -%}
    {#- A staging model of `feed` made incremental: sets its config (with the pre-hook that drops
        rows whose raw row is gone) and selects the raw rows it has not read yet. -#}
    {{ config(
        materialized='incremental',
        on_schema_change='fail',
        pre_hook="{{ delete_rows_gone_from(source('raw', '" ~ feed ~ "'), raw_row_key()) }}"
    ) }}
    select * from {{ source('raw', feed) }} as delivered
    {{- only_rows_not_yet_read('delivered', raw_row_key()) }}
{%- endmacro %}
