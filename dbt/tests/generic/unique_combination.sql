{% test unique_combination(model, columns, latest_build_only=false) %}
{#- No two rows share these columns' values (the grain of the model). `latest_build_only`: for
    the values of the rows the latest build wrote, each counted over all rows
    (dbt/macros/incremental.sql). -#}
select {{ columns | join(', ') }}, count(*) as rows_with_these_values
from
    {%- if latest_build_only %} {{ rows_sharing_a_value_with_the_latest_build(model, columns) }} as counted
    {%- else %} {{ model }}
    {%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
