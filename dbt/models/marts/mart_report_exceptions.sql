-- The exception list of the report (exceptions.csv): every claim without a matching audit
-- entry, with the entry it was read from, and every incident with missed history, with the
-- history that was visible and how the incident ended. One row per exception.

with

reconciliation as (

    select * from {{ ref('fct_check_reconciliation') }}

),

log_entries as (

    select * from {{ ref('stg_cc_log') }}

),

history as (

    select * from {{ ref('fct_prior_history') }}

),

incidents as (

    select * from {{ ref('fct_incidents') }}

),

unmatched_claims as (

    select
        'claim without matching audit' as kind,
        reconciliation.incident_urn,
        reconciliation.log_seq,
        log_entries.entry_text,
        reconciliation.claimed_by,
        reconciliation.claimed_at,
        reconciliation.system,
        reconciliation.subject_type,
        reconciliation.status,
        reconciliation.reason,
        reconciliation.audit_ref as nearest_audit_ref,
        reconciliation.audit_at as nearest_audit_at
    from reconciliation
    left join log_entries
        on
            reconciliation.incident_urn = log_entries.incident_urn
            and reconciliation.log_seq = log_entries.log_seq
    where not reconciliation.has_matching_audit

),

missed_history as (

    select
        'missed history' as kind,
        history.incident_urn,
        cast(null as integer) as log_seq,
        cast(null as varchar) as entry_text,
        incidents.handler as claimed_by,
        incidents.created_at as claimed_at,
        cast(null as varchar) as system,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as status,
        'History was visible ('
        || history.prior_incidents_person || ' earlier incidents of the caller, '
        || history.prior_incidents_address || ' at the address, '
        || history.prior_incidents_telephone || ' from the number, '
        || history.marac_referrals_in_lookback || ' MARAC referrals in '
        || {{ var('marac_lookback_months') }} || ' months, '
        || history.mash_referrals || ' MASH, '
        || history.victim_support_referrals || ' Victim Support), '
        || incidents.unverified_claims || ' of ' || incidents.claims
        || ' claimed checks unverified, final grade ' || incidents.final_grade
        || case when incidents.is_deployed then ', deployed' else ', not deployed' end
        || '.' as reason,
        cast(null as varchar) as nearest_audit_ref,
        cast(null as timestamp) as nearest_audit_at
    from history
    inner join incidents on history.incident_urn = incidents.incident_urn
    where history.missed_history

),

exceptions as (

    select * from unmatched_claims
    union all
    select * from missed_history

),

final as (

    select
        kind,
        -- The report's periods are local months, as in the other monthly marts.
        cast(date_trunc('month', {{ local_date_of('claimed_at') }}) as date) as month,
        incident_urn,
        log_seq,
        entry_text,
        claimed_by,
        claimed_at,
        system,
        subject_type,
        status,
        reason,
        nearest_audit_ref,
        nearest_audit_at
    from exceptions

)

select * from final
