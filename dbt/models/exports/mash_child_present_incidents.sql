-- The MASH's dataset (config/sharing/mash.yml): for each MASH referral, the person's domestic
-- incidents with a child present in the partner look-back before the referral day (var
-- marac_lookback_months, docs/rules.md), filed under the referral's month, in local days.

{{ partner_export(
    partner_source='partner_mash',
    record_id='referral_id',
    filed_by='referred_on',
    columns=['channel', 'final_grade', 'is_deployed as deployed', 'risk_level', 'weapon', 'link_probability'],
    condition='child_present and ' ~ within_months_before('created_on', 'referred_on', var('marac_lookback_months')),
) }}
