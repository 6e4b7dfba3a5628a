with

reconciliation as (

    select * from {{ ref('int_check_reconciliation') }}

),

final as (

    select
        incident_urn,
        log_seq,
        system,
        subject_type,
        claimed_result,
        claimed_by,
        claimed_at,
        claim_evidence,
        status,
        has_matching_audit,
        audit_ref,
        audit_at,
        reason
    from reconciliation

)

select * from final
