{#
  A claim is identified by its log entry and what it claims to have checked: incident, log
  entry, system and subject type. `same_claim` is the join condition that two relations hold
  the same claim, written once; `left` and `right` are their aliases. Plain equalities, so
  DuckDB hash-joins on all four. `claim_key` selects the key's columns, of `relation` when
  the query names more than one.
#}
{% macro same_claim(left, right) -%}
    {{ left }}.incident_urn = {{ right }}.incident_urn
            and {{ left }}.log_seq = {{ right }}.log_seq
            and {{ left }}.system = {{ right }}.system
            and {{ left }}.subject_type = {{ right }}.subject_type
{%- endmacro %}


{% macro claim_key(relation=none) -%}
    {%- set column = (relation ~ '.') if relation else '' -%}
    {{ column }}incident_urn,
        {{ column }}log_seq,
        {{ column }}system,
        {{ column }}subject_type
{%- endmacro %}
