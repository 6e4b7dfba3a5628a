{% test unique_in_latest_build(model, column_name) %}
{#- dbt's `unique` for an incremental model that carries `built_at`: no other row holds the
    value of a row the latest build wrote (dbt/macros/incremental.sql). Nulls are not values,
    as for `unique`. -#}
with latest_values as (
    select distinct {{ column_name }} as value
    from {{ model }}
    where {{ written_by_latest_build(model) }} and {{ column_name }} is not null
)
select {{ column_name }} as unique_field, count(*) as n_records
from {{ model }}
where {{ column_name }} in (select value from latest_values)
group by {{ column_name }}
having count(*) > 1
{% endtest %}
