-- One row per claim: its status by the precedence of claims.md, the audit entry that decided
-- it (or the nearest one considered), and one readable sentence saying why. The statuses, their
-- precedence and which of them count as a matching audit entry are the seed
-- ref_reconciliation_statuses; the CASE below applies them in that order (a test holds it to it).
--
-- Incremental by claim (dbt/macros/claims_to_redo.sql): a night decides the claims whose row or
-- evidence changed since the latest build, and keeps the others' statuses.
-- depends_on: {{ ref('int_log_entry_readings') }}
-- depends_on: {{ ref('stg_cc_incidents') }}
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_reconciliations_to_redo() }}"
) }}

with

claims as (

    -- The claims without a status: on an incremental build, those the pre-hook dropped and the
    -- new ones.
    select * from {{ ref('int_claim_subjects') }} as claim
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as kept
            where {{ same_claim('kept', 'claim') }}
        )
    {%- endif %}

),

evidence as (

    select * from {{ ref('int_claim_evidence') }} as evidence
    {%- if is_incremental() %}
        where exists (
            select 1 from claims
            where {{ same_claim('claims', 'evidence') }}
        )
    {%- endif %}

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
        arg_min(audit_ref, (seconds_from_claim, audit_ref)) filter (not matches_subject and in_window and by_claimant) as wrong_subject_ref,
        count(*) as evidence_rows,
        max(built_at) as evidence_built_at
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
        ) as audit_ref,
        coalesce(summarised.evidence_rows, 0) as evidence_rows,
        summarised.evidence_built_at
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
        end as reason,
        -- What the status was decided on, for the next incremental build (see above).
        evidence_rows,
        evidence_built_at,
        {{ build_stamp() }}
    from with_audit

)

select * from final
