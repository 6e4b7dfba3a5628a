{% test column_rules(model) %}
{#- Every column test of this model whose kind is in the variable column_rule_tests (`not_null`,
    `accepted_values`), in one query over the model: a row for each rule some row breaks, with
    how many rows break it. dbt spends 60-90 ms of its own on each test node, whose query here
    takes milliseconds, so the pipeline's builds run these instead of the column tests one by
    one (dacall.pipeline; docs/benchmarks.md, 2026-12-07). The rules are the column tests
    themselves, written on the columns in the .yml files and read here from dbt's graph: `dbt
    test` still runs each alone. -#}
{%- if execute %}
{%- set rules = column_rules_of(model) %}
{#- Each rule reads one row at a time: in a model that stamps its rows with the build that wrote
    them, the rows of earlier builds passed these rules then, and only the latest build's are
    read (a night's rows, not all history; every row with the variable test_all_rows). #}
{%- set owner = graph_nodes_of(model) | first %}
with counted as (

    select
        {%- for rule in rules %}
        count(*) filter (where {{ rule.broken_where }}) as rule_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    {%- if 'built_at' in owner.columns %}
    from {{ rows_of_the_latest_build(model) }} as checked
    {%- else %}
    from {{ model }}
    {%- endif %}

)
{%- for rule in rules %}
select
    '{{ rule.column }}' as column_name,
    '{{ rule.kind }}' as rule,
    rule_{{ loop.index }} as breaking_rows
from counted where rule_{{ loop.index }} > 0
{{ 'union all' if not loop.last }}
{%- endfor %}
{%- else %}
{#- Parsing: dbt's graph is read only when the test runs. #}
select null as column_name, null as rule, 0 as breaking_rows where false
{%- endif %}
{% endtest %}
