{% macro column_rules_of(model) -%}
    {#- The column tests written on `model` (a relation) whose kind is in the variable
        column_rule_tests, from dbt's graph (so only when executing): a list of each test's
        column, kind and the condition a row breaks it by, as the test itself reads it (a null
        is never outside accepted values, as in dbt's test). For the generic test column_rules. -#}
    {%- set kinds = var('column_rule_tests') -%}
    {%- set unsupported = kinds | reject('in', ['not_null', 'accepted_values']) | list -%}
    {%- if unsupported -%}
        {{ exceptions.raise_compiler_error(
            "column_rule_tests: column_rules runs not_null and accepted_values only, not "
            ~ unsupported | join(', ')
        ) }}
    {%- endif -%}
    {%- set owners = graph_nodes_of(model) | map(attribute='unique_id') | list -%}
    {%- if not owners -%}
        {#- Else it would find no rule and pass whatever the rows: a `where` on column_rules,
            say, makes `model` a query, not a model. -#}
        {{ exceptions.raise_compiler_error(
            "column_rules: " ~ model ~ " is not a model or seed of this project"
        ) }}
    {%- endif -%}
    {%- set rules = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'test' and node.attached_node in owners
        and node.test_metadata and node.test_metadata.name in kinds -%}
        {%- if node.config.severity | lower != 'error' -%}
            {{ exceptions.raise_compiler_error(
                node.name ~ ": a column test run by column_rules fails the build; it cannot be "
                ~ "severity " ~ node.config.severity
            ) }}
        {%- endif -%}
        {%- set arguments = node.test_metadata.kwargs -%}
        {%- set column = arguments.column_name -%}
        {%- if node.test_metadata.name == 'not_null' -%}
            {%- set broken = column ~ ' is null' -%}
        {%- else -%}
            {#- Each value written as dbt's accepted_values writes it, so it means the same (a
                quote in a value is written doubled in the .yml). -#}
            {%- set listed = [] -%}
            {%- for value in arguments['values'] -%}
                {%- do listed.append(
                    "'" ~ value ~ "'" if arguments.get('quote', true) else value | string
                ) -%}
            {%- endfor -%}
            {%- set broken = column ~ ' not in (' ~ listed | join(', ') ~ ')' -%}
        {%- endif -%}
        {%- if node.config.where -%}
            {%- set broken = '(' ~ broken ~ ') and (' ~ node.config.where ~ ')' -%}
        {%- endif -%}
        {%- do rules.append({'column': column, 'kind': node.test_metadata.name, 'broken_where': broken}) -%}
    {%- endfor -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error(
            "column_rules on " ~ model ~ ": it has no " ~ kinds | join(' or ')
            ~ " test to run; remove column_rules from it"
        ) }}
    {%- endif -%}
    {{ return(rules | sort(attribute='kind') | sort(attribute='column')) }}
{%- endmacro %}

{% macro graph_nodes_of(model) -%}
    {#- The nodes of dbt's graph (a model or seed) whose relation is `model`. -#}
    {{ return(graph.nodes.values() | selectattr('relation_name', 'equalto', model | string) | list) }}
{%- endmacro %}
