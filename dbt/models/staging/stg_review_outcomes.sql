with

source as (

    select * from {{ source('raw', 'review_outcomes') }}

),

renamed as (

    select
        cast(outcome_id as bigint) as outcome_id,
        incident_urn,
        outcome,
        note,
        reviewer,
        cast(recorded_at as timestamp) as recorded_at
    from source

)

select * from renamed
