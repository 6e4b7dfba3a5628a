-- The log entries the claims parser was unsure of, counted by local month and reason: the
-- report's chart of what the data team has to label (docs/claims-parser.md).

with

review as (

    select * from {{ ref('fct_parser_review') }}

),

final as (

    select
        cast(date_trunc('month', {{ local_date_of('entry_at') }}) as date) as month,
        reason,
        count(*) as entries
    from review
    group by all

)

select * from final
