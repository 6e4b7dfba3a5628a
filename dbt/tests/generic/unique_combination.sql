{% test unique_combination(model, columns) %}
{#- No two rows share these columns' values (the grain of the model). -#}
select {{ columns | join(', ') }}, count(*) as rows_with_these_values
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
