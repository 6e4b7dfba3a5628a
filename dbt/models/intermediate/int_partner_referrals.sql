-- Every partner referral whose record is linked to a person: MARAC, MASH and Victim Support, one
-- row each, with the linked person, how sure the link is and the day of the referral (its time
-- of day is unknown). Victim Support clients who did not consent are left out unless
-- config/governance.yml records another basis (as int_person_records leaves them unlinked).

with

marac as (

    select * from {{ ref('stg_partner_marac') }}

),

mash as (

    select * from {{ ref('stg_partner_mash') }}

),

victim_support as (

    select * from {{ ref('stg_partner_vs') }}
    {% if var('vs_non_consented_basis') is none %}
        where has_consent
    {% endif %}

),

people as (

    select * from {{ ref('int_person_links') }}

),

referrals as (

    select
        'partner_marac' as source,
        case_ref as source_record_id,
        referral_date as referred_on,
        cast(null as boolean) as has_consent
    from marac

    union all

    select
        'partner_mash' as source,
        referral_id as source_record_id,
        received_on as referred_on,
        cast(null as boolean) as has_consent
    from mash

    union all

    select
        'partner_vs' as source,
        vs_ref as source_record_id,
        referred_on,
        has_consent
    from victim_support

),

final as (

    select
        referrals.source,
        referrals.source_record_id,
        people.person_key,
        people.match_probability,
        referrals.referred_on,
        referrals.has_consent
    from referrals
    inner join people
        on
            referrals.source = people.source
            and referrals.source_record_id = people.source_record_id

)

select * from final
