{#
  The team a member of staff was in on a day: the staff directory's row for that staff number
  valid on that (local) day, the latest starting where two overlap, and UNKNOWN where there is
  none. Written once for every model that files something under a team (the claimant's, the
  call handler's). The body of a CTE: each row of `rows` once, with the column `team` added.
  It refs stg_staff_directory itself, so that the models filing under a team need no copy of
  the lookup.
#}
{% macro with_staff_team(rows, staff_no, day, row_key) -%}
    select
        {{ rows }}.*,
        coalesce(staff.team, 'UNKNOWN') as team
    from {{ rows }}
    left join {{ ref('stg_staff_directory') }} as staff
        on
            {{ staff_no }} = staff.staff_no
            and {{ staff_row_valid_on('staff', day) }}
    qualify row_number() over (
        partition by {% for column in row_key %}{{ rows }}.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
        order by staff.valid_from desc
    ) = 1
{%- endmacro %}


{#- A staff directory row is valid from its valid_from day to its valid_to day, both included;
    an open row (no valid_to) is valid from then on. -#}
{% macro staff_row_valid_on(row, day) -%}
    {{ day }} between {{ row }}.valid_from and coalesce({{ row }}.valid_to, date '9999-12-31')
{%- endmacro %}
