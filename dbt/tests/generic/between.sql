{% test between(model, column_name, low, high) %}
{#- Every non-null value lies in [low, high]. -#}
select {{ column_name }} from {{ model }}
where {{ column_name }} is not null and ({{ column_name }} < {{ low }} or {{ column_name }} > {{ high }})
{% endtest %}
