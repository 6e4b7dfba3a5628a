-- For the review app's case page: every audit entry considered for each claim, what it
-- searched, and why it does or does not match the claim.

with

evidence as (

    select * from {{ ref('int_claim_evidence') }}

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
        end as verdict
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
