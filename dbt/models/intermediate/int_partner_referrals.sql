-- Every partner referral whose record is linked to a person: MARAC, MASH and Victim Support, one
-- row each, with the linked person, how sure the link is and the day of the referral (its time
-- of day is unknown). The records are int_person_records', so Victim Support clients who did not
-- consent are left out there, unless config/governance.yml records another basis.

with

person_records as (

    select * from {{ ref('int_person_records') }}

),

people as (

    select * from {{ ref('int_person_links') }}

),

victim_support as (

    select * from {{ ref('stg_partner_vs') }}

),

referral_records as (

    -- Every record that is not an incident's caller is a partner's referral.
    select
        source,
        source_record_id,
        record_date as referred_on
    from person_records
    where source != 'cc_incidents'

),

final as (

    select
        referral_records.source,
        referral_records.source_record_id,
        people.person_key,
        people.match_probability,
        referral_records.referred_on,
        victim_support.has_consent
    from referral_records
    inner join people
        on
            referral_records.source = people.source
            and referral_records.source_record_id = people.source_record_id
    left join victim_support
        on
            referral_records.source = 'partner_vs'
            and referral_records.source_record_id = victim_support.vs_ref

)

select * from final
