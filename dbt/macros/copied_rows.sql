{#
  A mart that copies the rows of incremental models one for one (fct_check_reconciliation from
  int_check_reconciliation; fct_review_evidence from int_claim_evidence and the claims' statuses)
  is incremental too. An incremental model writes a row again only with a new `built_at` (the
  start of the build that wrote it), so the mart keeps that stamp beside each row it copies, and
  a build
  - drops the rows whose key and stamp the model copied no longer holds together (the row was
    written again, or is gone): `delete_rows_restamped`, the mart's pre-hook, once per model
    copied;
  - copies the rows whose key the mart does not hold: `rows_not_held`.
  A night copies the rows written that night, not every row of history again, and the mart ends
  as a full build would make it.
#}

{% macro delete_rows_restamped(upstream, key, stamp) -%}
    {#- `key`: the columns naming a row, the same on both sides; `stamp`: the column of this
        model holding the upstream row's built_at. A delete by row id from an anti join, which
        DuckDB hash-joins (a correlated `not exists` is planned row by row). -#}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where rowid in (
            select kept.rowid
            from {{ this }} as kept
            anti join {{ upstream }} as copied
                on
                    {% for column in key -%}
                        copied.{{ column }} = kept.{{ column }} and
                    {% endfor -%}
                    copied.built_at = kept.{{ stamp }}
        )
    {%- endif -%}
{%- endmacro %}

{% macro rows_not_held(alias, key) -%}
    {#- A where clause: the rows of `alias` whose key this model does not hold (every row on a
        full build). -#}
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as kept
            where
                {%- for column in key %}
                    kept.{{ column }} = {{ alias }}.{{ column }}{{ ' and' if not loop.last }}
                {%- endfor %}
        )
    {%- endif %}
{%- endmacro %}
