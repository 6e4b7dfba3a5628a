-- Every claim read from the log (the claims parser's reading, int_log_entry_readings).
-- A view: its rows are int_log_entry_readings' 'claim' rows, which that incremental model
-- keeps; a table would copy them all again on every build (at five years, 0.5-0.7 s a night).
{{ config(materialized='view') }}

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
        claim_doubts,
        built_at
    from readings
    where reading = 'claim'

)

select * from final
