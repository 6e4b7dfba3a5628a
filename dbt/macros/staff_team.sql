{#
  The team a member of staff was in on a day: the staff directory's row for that staff number
  valid on that (local) day, the latest starting where two overlap, and UNKNOWN where there is
  none. Written once for every model that files something under a team (the claimant's, the
  call handler's). The body of a CTE: each row of `rows` once, with the column `team` added.
  It refs stg_staff_directory itself, so that the models filing under a team need no copy of
  the lookup.
#}
{% macro with_staff_team(rows, staff_no, day) -%}
    select
        {{ rows }}.*,
        coalesce(teams.team, 'UNKNOWN') as team
    from {{ rows }}
    left join (
        -- Looked up once per staff number and day, not once per row: five years' claims are
        -- 433,301 rows but 83,350 staff numbers and days.
        select
            looked_up.staff_no,
            looked_up.day,
            staff.team
        from (
            select distinct
                {{ staff_no }} as staff_no,
                {{ day }} as day
            from {{ rows }}
        ) as looked_up
        inner join {{ ref('stg_staff_directory') }} as staff
            on
                looked_up.staff_no = staff.staff_no
                and {{ staff_row_valid_on('staff', 'looked_up.day') }}
        qualify row_number() over (
            partition by looked_up.staff_no, looked_up.day order by staff.valid_from desc
        ) = 1
    ) as teams
        on {{ staff_no }} = teams.staff_no and {{ day }} = teams.day
{%- endmacro %}


{#- A staff directory row is valid from its valid_from day to its valid_to day, both included;
    an open row (no valid_to) is valid from then on. -#}
{% macro staff_row_valid_on(row, day) -%}
    {{ day }} between {{ row }}.valid_from and coalesce({{ row }}.valid_to, date '9999-12-31')
{%- endmacro %}
