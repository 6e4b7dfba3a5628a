{#
  A claim is identified by its log entry and what it claims to have checked: incident, log
  entry, system and subject type. `same_claim` is the join condition that two relations hold
  the same claim, written once; `left` and `right` are their aliases. Plain equalities, so
  DuckDB hash-joins on all four. `claim_key` selects the key's columns, of `relation` when
  the query names more than one; `claim_key_columns` lists them.
#}
{% macro same_claim(left, right) -%}
    {%- for name in claim_key_columns() %}
        {{ 'and ' if not loop.first }}{{ left }}.{{ name }} = {{ right }}.{{ name }}
    {%- endfor %}
{%- endmacro %}


{% macro claim_key_columns() -%}
    {{ return(['incident_urn', 'log_seq', 'system', 'subject_type']) }}
{%- endmacro %}


{% macro claim_key(relation=none) -%}
    {%- set column = (relation ~ '.') if relation else '' -%}
    {%- for name in claim_key_columns() %}
        {{ column }}{{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
