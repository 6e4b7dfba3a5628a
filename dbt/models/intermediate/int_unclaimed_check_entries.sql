-- Log entries that name a system or a check word but from which no claim was read, and why
-- (the parser's own account, int_log_entry_readings): what a data team labels to extend
-- config/claims_vocabulary.yml.
-- A view: its rows are int_log_entry_readings' 'unclaimed' rows, which that incremental model
-- keeps; a table would copy them all again on every build (at five years, 0.5-0.7 s a night).
{{ config(materialized='view') }}

with

readings as (

    select * from {{ ref('int_log_entry_readings') }}

),

final as (

    select
        incident_urn,
        log_seq,
        entry_at,
        operator,
        unclaimed_reason as reason,
        decided_by
    from readings
    where reading = 'unclaimed'

)

select * from final
