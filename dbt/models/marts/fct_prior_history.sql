-- What the force and its partners knew about the caller, the address and the number before
-- each incident was created: strictly earlier incidents, and partner referrals dated on an
-- earlier day (a referral's time of day is unknown).

with

incidents as (

    select * from {{ ref('int_incidents_enriched') }}

),

people as (

    select * from {{ ref('int_person_links') }}

),

marac as (

    select
        people.person_key,
        marac.referral_date as referred_on
    from {{ ref('stg_partner_marac') }} as marac
    inner join people on people.source = 'partner_marac' and marac.case_ref = people.source_record_id

),

mash as (

    select
        people.person_key,
        mash.received_on as referred_on
    from {{ ref('stg_partner_mash') }} as mash
    inner join people on people.source = 'partner_mash' and mash.referral_id = people.source_record_id

),

victim_support as (

    select
        people.person_key,
        vs.referred_on
    from {{ ref('stg_partner_vs') }} as vs
    inner join people on people.source = 'partner_vs' and vs.vs_ref = people.source_record_id

),

domestic as (

    select * from incidents
    where is_domestic

),

by_person as (

    select
        i.incident_urn,
        count(*) as prior_incidents_person,
        arg_max(d.risk_level, d.created_at) as last_risk_level_person,
        max(d.created_at) as last_at_person
    from incidents as i
    inner join domestic as d
        on
            i.person_key = d.person_key
            and i.created_at > d.created_at
    group by i.incident_urn

),

address_pairs as (

    select
        i.incident_urn,
        d.incident_urn as prior_urn,
        d.created_at,
        d.risk_level
    from incidents as i
    inner join domestic as d
        on
            i.uprn = d.uprn
            and i.created_at > d.created_at

    union

    -- Building and street when either side has no UPRN (claims.md's address rule).
    select
        i.incident_urn,
        d.incident_urn as prior_urn,
        d.created_at,
        d.risk_level
    from incidents as i
    inner join domestic as d
        on
            i.building_number = d.building_number
            and i.street_key = d.street_key
            and i.created_at > d.created_at
    where
        (i.uprn is null or d.uprn is null)
        and (i.postcode is null or d.postcode is null or i.postcode = d.postcode)

),

by_address as (

    select
        incident_urn,
        count(*) as prior_incidents_address,
        arg_max(risk_level, created_at) as last_risk_level_address,
        max(created_at) as last_at_address
    from address_pairs
    group by incident_urn

),

by_telephone as (

    select
        i.incident_urn,
        count(*) as prior_incidents_telephone,
        arg_max(d.risk_level, d.created_at) as last_risk_level_telephone,
        max(d.created_at) as last_at_telephone
    from incidents as i
    inner join domestic as d
        on
            i.caller_tel_e164 = d.caller_tel_e164
            and i.created_at > d.created_at
    group by i.incident_urn

),

partner_history as (

    select
        i.incident_urn,
        (
            select count(*) from marac
            where
                marac.person_key = i.person_key
                and marac.referred_on < {{ local_date_of('i.created_at') }}
                and marac.referred_on >= {{ local_date_of('i.created_at') }} - interval ({{ var('marac_lookback_months') }}) month
        ) as marac_referrals_12m,
        (
            select count(*) from mash
            where mash.person_key = i.person_key and mash.referred_on < {{ local_date_of('i.created_at') }}
        ) as mash_referrals,
        (
            select count(*) from victim_support as vs
            where vs.person_key = i.person_key and vs.referred_on < {{ local_date_of('i.created_at') }}
        ) as victim_support_referrals
    from incidents as i

),

combined as (

    select
        i.incident_urn,
        i.created_at,
        i.person_key,
        coalesce(p.prior_incidents_person, 0) as prior_incidents_person,
        coalesce(a.prior_incidents_address, 0) as prior_incidents_address,
        coalesce(t.prior_incidents_telephone, 0) as prior_incidents_telephone,
        case greatest(
            coalesce(p.last_at_person, timestamp '1900-01-01'),
            coalesce(a.last_at_address, timestamp '1900-01-01'),
            coalesce(t.last_at_telephone, timestamp '1900-01-01')
        )
            when timestamp '1900-01-01' then null
            when p.last_at_person then p.last_risk_level_person
            when a.last_at_address then a.last_risk_level_address
            else t.last_risk_level_telephone
        end as last_risk_level,
        coalesce(h.marac_referrals_12m, 0) as marac_referrals_12m,
        coalesce(h.mash_referrals, 0) as mash_referrals,
        coalesce(h.victim_support_referrals, 0) as victim_support_referrals,
        i.claims,
        i.unverified_claims,
        i.is_deployed,
        i.final_grade
    from incidents as i
    left join by_person as p on i.incident_urn = p.incident_urn
    left join by_address as a on i.incident_urn = a.incident_urn
    left join by_telephone as t on i.incident_urn = t.incident_urn
    left join partner_history as h on i.incident_urn = h.incident_urn

),

final as (

    select
        incident_urn,
        created_at,
        person_key,
        prior_incidents_person,
        prior_incidents_address,
        prior_incidents_telephone,
        last_risk_level,
        marac_referrals_12m,
        mash_referrals,
        victim_support_referrals,
        (
            prior_incidents_person + prior_incidents_address + prior_incidents_telephone
            + marac_referrals_12m + mash_referrals + victim_support_referrals
        ) > 0 as history_visible,
        (
            prior_incidents_person + prior_incidents_address + prior_incidents_telephone
            + marac_referrals_12m + mash_referrals + victim_support_referrals
        ) > 0
        and (claims = 0 or unverified_claims > 0)
        and (not is_deployed or final_grade in (3, 4)) as missed_history
    from combined

)

select * from final
