-- The MARAC's dataset (config/sharing/marac.yml): for each person the MARAC referred, the
-- person's domestic incidents of the look-back before the referral day (var
-- marac_lookback_months), one row per referral and incident, filed under the referral's month.
-- Local days: an incident at 00:30 BST on the day of the referral is not before it.

with

referral_incidents as (

    select * from {{ ref('int_referral_incidents') }}
    where source = 'partner_marac'

),

final as (

    select
        strftime(referred_on, '%Y-%m') as month,
        source_record_id as case_ref,
        person_key,
        strftime(created_month, '%Y-%m') as incident_month,
        channel,
        init_grade,
        final_grade,
        is_deployed as deployed,
        risk_level,
        child_present,
        weapon,
        claims as checks_claimed,
        claims - unverified_claims as checks_verified,
        link_probability,
        'partner_marac|' || source_record_id as _partner_record,
        'cc_incidents|' || incident_urn as _incident_record,
        created_at as _incident_created_at
    from referral_incidents
    where {{ within_months_before('created_on', 'referred_on', var('marac_lookback_months')) }}

)

select * from final
