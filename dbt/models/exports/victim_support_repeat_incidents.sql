-- Victim Support's dataset (config/sharing/victim_support.yml): for each client who consented,
-- the person's domestic incidents on a later local day than the referral, filed under the
-- incident's month. Clients who did not consent are never here (int_person_records, and the
-- consent flag below whatever basis config/governance.yml records).

{{ partner_export(
    partner_source='partner_vs',
    record_id='vs_ref',
    filed_by='created_month',
    columns=['channel', 'risk_level', 'is_deployed as deployed', 'link_probability'],
    condition='has_consent and created_on > referred_on',
) }}
