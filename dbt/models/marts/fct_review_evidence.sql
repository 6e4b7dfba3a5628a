-- For the review app's case page: every audit entry considered for each claim, what it
-- searched, and why it does or does not match the claim.
--
-- Incremental (dbt/macros/copied_rows.sql): a row is made from an audit entry's row of
-- int_claim_evidence (`found_at`, the stamp of the build that wrote it) and its claim's status
-- (`decided_at`; a claim whose window moved is decided again). A build drops the rows whose
-- evidence or status was written again, and makes the rows it does not hold.
-- depends_on: {{ ref('int_check_reconciliation') }}
{%- set evidence_key = claim_key_columns() + ['audit_ref'] %}
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook=[
        "{{ delete_rows_restamped(ref('int_claim_evidence'), claim_key_columns() + ['audit_ref'], 'found_at') }}",
        "{{ delete_rows_restamped(ref('int_check_reconciliation'), claim_key_columns(), 'decided_at') }}",
    ]
) }}

with

evidence as (

    select * from {{ ref('int_claim_evidence') }} as evidence
    {{- rows_not_held('evidence', evidence_key) }}

),

claims as (

    select * from {{ ref('fct_check_reconciliation') }}

),

subjects as (

    select * from {{ ref('int_claim_subjects') }}

),

described as (

    select
        {{ claim_key('evidence') }},
        evidence.audit_ref,
        evidence.audit_at,
        evidence.audit_user,
        evidence.searched_by,
        evidence.searched_for,
        evidence.matches_subject,
        evidence.in_window,
        evidence.by_claimant,
        coalesce(evidence.audit_ref = claims.audit_ref, false) as decided_status,
        case
            when evidence.matches_subject and evidence.in_window and evidence.by_claimant
                then 'Matches: the claimant searched this ' || lower(evidence.subject_type) || ' inside the window.'
            when evidence.matches_subject and evidence.in_window
                then
                    'Matches through a colleague: this ' || lower(evidence.subject_type)
                    || ' was searched inside the window by ' || coalesce(evidence.searched_by, 'an unmapped user')
                    || ', not the claimant.'
            when evidence.matches_subject
                then
                    'Does not match: this ' || lower(evidence.subject_type) || ', but '
                    || cast(round(evidence.seconds_outside_window / 60) as integer) || ' minutes '
                    || case when evidence.audit_at > subjects.window_end then 'after the window closed.' else 'before the window opened.' end
            else
                'Does not match: the claimant searched another ' || lower(evidence.subject_type) || ' inside the window.'
        end as verdict,
        evidence.built_at as found_at,
        claims.decided_at
    from evidence
    inner join claims
        on
            {{ same_claim('evidence', 'claims') }}
    inner join subjects
        on
            {{ same_claim('evidence', 'subjects') }}

),

final as (

    select * from described

)

select * from final
