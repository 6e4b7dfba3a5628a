-- For the review app's case page: the log of every incident a reviewer may open.

with

log_entries as (

    select * from {{ ref('stg_cc_log') }}

),

candidates as (

    select * from {{ ref('int_review_candidates') }}

),

final as (

    select
        log_entries.incident_urn,
        log_entries.log_seq,
        log_entries.entry_at,
        log_entries.operator,
        log_entries.entry_type,
        log_entries.entry_text
    from log_entries
    semi join candidates on log_entries.incident_urn = candidates.incident_urn

)

select * from final
