-- Every claim read from the log (the claims parser's reading, int_log_entry_readings).

with

readings as (

    select * from {{ ref('int_log_entry_readings') }}

),

final as (

    select
        {{ claim_key() }},
        claimed_result,
        operator as claimed_by,
        entry_at as claimed_at,
        claim_evidence,
        claim_doubts
    from readings
    where reading = 'claim'

)

select * from final
