-- Every partner referral with each domestic incident of the person it is linked to, whenever
-- it happened: what the partner extracts choose from (before the referral for MARAC and MASH,
-- after it for Victim Support). Days and months are local (Europe/London), as in the marts,
-- since a referral's day is the partner's local day.

with

referrals as (

    select * from {{ ref('int_partner_referrals') }}

),

incidents as (

    select * from {{ ref('fct_incidents') }}

),

people as (

    select * from {{ ref('bridge_person_records') }}

),

domestic as (

    select
        incidents.*,
        {{ local_date_of('incidents.created_at') }} as created_on
    from incidents
    where incidents.is_domestic

),

final as (

    select
        referrals.source,
        referrals.source_record_id,
        referrals.person_key,
        referrals.referred_on,
        referrals.has_consent,
        domestic.incident_urn,
        domestic.created_at,
        domestic.created_on,
        domestic.created_month,
        domestic.channel,
        domestic.init_grade,
        domestic.final_grade,
        domestic.is_deployed,
        domestic.risk_level,
        domestic.child_present,
        domestic.weapon,
        domestic.claims,
        domestic.unverified_claims,
        -- The row rests on two links: the referral's record and the caller's, each to the person.
        least(referrals.match_probability, callers.match_probability) as link_probability
    from referrals
    inner join domestic on referrals.person_key = domestic.person_key
    -- The incident's caller, linked to the same person.
    inner join people as callers
        on
            callers.source = 'cc_incidents'
            and domestic.incident_urn = callers.source_record_id

)

select * from final
