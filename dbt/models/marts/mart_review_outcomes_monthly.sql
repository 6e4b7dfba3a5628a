-- What reviewers decided, by month, outcome, the handler's team and each system with an
-- exception on the incident (an incident with exceptions in two systems counts in both).

with

outcomes as (

    select * from {{ ref('stg_review_outcomes') }}

),

candidates as (

    select * from {{ ref('int_review_candidates') }}

),

latest as (

    -- A reviewer may correct an outcome: the latest one stands.
    select *
    from outcomes
    qualify row_number() over (partition by incident_urn order by recorded_at desc, outcome_id desc) = 1

),

with_incident as (

    select
        cast(date_trunc('month', {{ local_date_of('latest.recorded_at') }}) as date) as month,
        latest.outcome,
        coalesce(candidates.team, 'UNKNOWN') as team,
        unnest(
            case
                when coalesce(candidates.exception_systems, '') = '' then ['NONE']
                else string_split(candidates.exception_systems, ',')
            end
        ) as system,
        latest.incident_urn
    from latest
    left join candidates on latest.incident_urn = candidates.incident_urn

),

final as (

    select
        month,
        outcome,
        team,
        system,
        count(distinct incident_urn) as incidents
    from with_incident
    group by all

)

select * from final
