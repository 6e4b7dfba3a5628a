{% test unique_in_latest_build(model, column_name) %}
{#- dbt's `unique` for an incremental model that carries `built_at`: no other row holds the
    value of a row the latest build wrote (dbt/macros/incremental.sql). Nulls are not values,
    as for `unique`. -#}
select {{ column_name }} as unique_field, count(*) as n_records
from {{ rows_sharing_a_value_with_the_latest_build(model, [column_name]) }} as counted
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endtest %}
