-- The MARAC's dataset (config/sharing/marac.yml): for each person the MARAC referred, the
-- person's domestic incidents of the look-back before the referral day (var
-- marac_lookback_months), one row per referral and incident, filed under the referral's month.
-- Local days: an incident at 00:30 BST on the day of the referral is not before it.

{{ partner_export(
    partner_source='partner_marac',
    record_id='case_ref',
    filed_by='referred_on',
    columns=[
        'channel', 'init_grade', 'final_grade', 'is_deployed as deployed', 'risk_level', 'child_present',
        'weapon', 'claims as checks_claimed', 'claims - unverified_claims as checks_verified', 'link_probability',
    ],
    condition=within_months_before('created_on', 'referred_on', var('marac_lookback_months')),
) }}
