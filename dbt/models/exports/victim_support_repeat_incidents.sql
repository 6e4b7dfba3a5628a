-- Victim Support's dataset (config/sharing/victim_support.yml): for each client who consented,
-- the person's domestic incidents on a later local day than the referral, filed under the
-- incident's month. Clients who did not consent are never here (int_person_records, and the
-- consent flag below whatever basis config/governance.yml records).

with

referral_incidents as (

    select * from {{ ref('int_referral_incidents') }}
    where source = 'partner_vs'

),

final as (

    select
        strftime(created_month, '%Y-%m') as month,
        source_record_id as vs_ref,
        person_key,
        strftime(created_month, '%Y-%m') as incident_month,
        channel,
        risk_level,
        is_deployed as deployed,
        link_probability,
        'partner_vs|' || source_record_id as _partner_record,
        'cc_incidents|' || incident_urn as _incident_record,
        created_at as _incident_created_at
    from referral_incidents
    where
        has_consent
        and created_on > referred_on

)

select * from final
