{% test unique_combination(model, columns, latest_build_only=false) %}
{#- No two rows share these columns' values (the grain of the model). `latest_build_only`: for
    the values of the rows the latest build wrote (dbt/macros/incremental.sql), each counted
    over all rows. -#}
{%- if latest_build_only %}
with latest_values as (
    select distinct {{ columns | join(', ') }}
    from {{ model }}
    where {{ written_by_latest_build(model) }}
)
select {% for c in columns %}all_rows.{{ c }}, {% endfor %}count(*) as rows_with_these_values
from {{ model }} as all_rows
semi join latest_values
    on {% for c in columns %}all_rows.{{ c }} is not distinct from latest_values.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
group by all
having count(*) > 1
{%- else %}
select {{ columns | join(', ') }}, count(*) as rows_with_these_values
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- endif %}
{% endtest %}
