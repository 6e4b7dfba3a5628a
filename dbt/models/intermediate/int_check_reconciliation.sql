-- One row per claim: its status by the precedence of claims.md, the audit entry that decided
-- it (or the nearest one considered), and one readable sentence saying why. The statuses, their
-- precedence and which of them count as a matching audit entry are the seed
-- ref_reconciliation_statuses; the CASE below applies them in that order (a test holds it to it).

with

claims as (

    select * from {{ ref('int_claim_subjects') }}

),

evidence as (

    select * from {{ ref('int_claim_evidence') }}

),

statuses as (

    select * from {{ ref('ref_reconciliation_statuses') }}

),

summarised as (

    -- the nearest audit entry decides; a tie goes to the lowest audit_ref, so that every run
    -- reports the same entry
    select
        {{ claim_key() }},
        arg_min(audit_ref, (seconds_from_claim, audit_ref)) filter (matches_subject and in_window and by_claimant) as verified_ref,
        arg_min(audit_ref, (seconds_from_claim, audit_ref)) filter (matches_subject and in_window and not by_claimant) as colleague_ref,
        arg_min(audit_ref, (seconds_outside_window, audit_ref)) filter (matches_subject and not in_window) as outside_ref,
        arg_min(audit_ref, (seconds_from_claim, audit_ref)) filter (not matches_subject and in_window and by_claimant) as wrong_subject_ref
    from evidence
    group by all

),

decided as (

    select
        claims.*,
        case
            when not claims.has_subject then 'NO_SUBJECT'
            when not claims.searchable then 'NOT_SEARCHABLE'
            when summarised.verified_ref is not null then 'VERIFIED'
            when summarised.colleague_ref is not null then 'VERIFIED_BY_COLLEAGUE'
            when summarised.outside_ref is not null then 'OUTSIDE_WINDOW'
            when summarised.wrong_subject_ref is not null then 'WRONG_SUBJECT'
            else 'NO_AUDIT'
        end as status,
        coalesce(
            summarised.verified_ref, summarised.colleague_ref, summarised.outside_ref,
            summarised.wrong_subject_ref
        ) as audit_ref
    from claims
    left join summarised
        on
            {{ same_claim('claims', 'summarised') }}

),

with_audit as (

    select
        decided.*,
        statuses.has_matching_audit,
        evidence.audit_at,
        evidence.searched_by,
        evidence.seconds_outside_window
    from decided
    inner join statuses on decided.status = statuses.status
    left join evidence
        on
            decided.audit_ref = evidence.audit_ref
            and {{ same_claim('decided', 'evidence') }}

),

final as (

    select
        {{ claim_key() }},
        claimed_result,
        claimed_by,
        claimed_at,
        claim_evidence,
        status,
        has_matching_audit,
        audit_ref,
        audit_at,
        case status
            when 'NO_SUBJECT'
                then
                    'The incident records no ' || lower(subject_type) || ' to check, so the claim cannot be verified.'
            when 'NOT_SEARCHABLE'
                then
                    system || ' cannot be searched by ' || lower(subject_type) || ', so this check cannot have been done.'
            when 'VERIFIED'
                then
                    claimed_by || ' searched ' || system || ' for this ' || lower(subject_type)
                    || ' at ' || strftime(audit_at, '%H:%M:%S') || ' UTC, inside the window '
                    || strftime(window_start, '%H:%M:%S') || '-' || strftime(window_end, '%H:%M:%S') || '.'
            when 'VERIFIED_BY_COLLEAGUE'
                then
                    coalesce(searched_by, 'an unmapped user') || ', not the claimant ' || claimed_by || ', searched '
                    || system || ' for this ' || lower(subject_type) || ' at ' || strftime(audit_at, '%H:%M:%S')
                    || ' UTC, inside the window.'
            when 'OUTSIDE_WINDOW'
                then
                    coalesce(searched_by, 'an unmapped user') || ' searched ' || system || ' for this '
                    || lower(subject_type) || ' ' || cast(round(seconds_outside_window / 60) as integer)
                    || ' minutes ' || case when audit_at > window_end then 'after the window closed' else 'before the window opened' end
                    || ' (' || strftime(audit_at, '%d/%m %H:%M:%S') || ' UTC), not between the call and the claim.'
            when 'WRONG_SUBJECT'
                then
                    claimed_by || ' searched ' || system || ' inside the window, but for another '
                    || lower(subject_type) || ' than the incident''s (for a person: another name or date of birth).'
            else
                'No ' || system || ' search for this ' || lower(subject_type) || ' by anyone within '
                || {{ var('outside_window_band_hours') }} || ' hours of the window '
                || strftime(window_start, '%d/%m %H:%M') || '-' || strftime(window_end, '%H:%M') || ' UTC.'
        end as reason
    from with_audit

)

select * from final
