{% test not_after(model, column_name, other) %}
{#- This column's time is never after the other's (both present). -#}
select {{ column_name }}, {{ other }} from {{ model }}
where {{ column_name }} is not null and {{ other }} is not null and {{ column_name }} > {{ other }}
{% endtest %}
