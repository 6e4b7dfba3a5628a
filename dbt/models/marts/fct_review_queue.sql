-- What the quality team reviews: every candidate incident not yet given an outcome in the
-- review app, most urgent first.

with

candidates as (

    select * from {{ ref('int_review_candidates') }}

),

outcomes as (

    select * from {{ ref('stg_review_outcomes') }}

),

unreviewed as (

    select candidates.*
    from candidates
    anti join outcomes on candidates.incident_urn = outcomes.incident_urn

),

final as (

    select
        row_number() over (
            order by band asc, priority_score desc, created_at desc, incident_urn asc
        ) as queue_position,
        incident_urn,
        band,
        priority_score,
        reasons,
        signals,
        created_at,
        created_on,
        shift,
        team,
        handler,
        channel,
        risk_level,
        is_abandoned,
        is_silent,
        is_deployed,
        final_grade,
        history_visible,
        missed_history,
        claims,
        exceptions,
        exception_systems
    from unreviewed

)

select * from final
