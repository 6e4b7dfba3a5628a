-- The MASH's dataset (config/sharing/mash.yml): for each MASH referral, the person's domestic
-- incidents with a child present in the partner look-back before the referral day (var
-- marac_lookback_months, docs/rules.md), filed under the referral's month, in local days.

with

referral_incidents as (

    select * from {{ ref('int_referral_incidents') }}
    where source = 'partner_mash'

),

final as (

    select
        strftime(referred_on, '%Y-%m') as month,
        source_record_id as referral_id,
        person_key,
        strftime(created_month, '%Y-%m') as incident_month,
        channel,
        final_grade,
        is_deployed as deployed,
        risk_level,
        weapon,
        link_probability,
        'partner_mash|' || source_record_id as _partner_record,
        'cc_incidents|' || incident_urn as _incident_record,
        created_at as _incident_created_at
    from referral_incidents
    where
        child_present
        and {{ within_months_before('created_on', 'referred_on', var('marac_lookback_months')) }}

)

select * from final
