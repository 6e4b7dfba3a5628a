-- What the force and its partners knew about the caller, the address and the number before
-- each incident was created: strictly earlier incidents, and partner referrals dated on an
-- earlier day (a referral's time of day is unknown). History found through the person rests on
-- probabilistic links: person_link_probability is the weakest link it rests on.

with

incidents as (

    select * from {{ ref('int_incidents_enriched') }}

),

people as (

    select * from {{ ref('int_person_links') }}

),

referrals as (

    select * from {{ ref('int_partner_referrals') }}

),

callers as (

    select
        source_record_id as incident_urn,
        match_probability
    from people
    where source = 'cc_incidents'

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
        max(d.created_at) as last_at_person,
        min(earlier_caller.match_probability) as link_probability_person
    from incidents as i
    inner join domestic as d
        on
            i.person_key = d.person_key
            and i.created_at > d.created_at
    left join callers as earlier_caller on d.incident_urn = earlier_caller.incident_urn
    group by i.incident_urn

),

address_pairs as (

    -- claims.md's address rule (macros/address_match.sql), one equality join per arm.
    {% for arm in address_match_arms('i', 'd') %}
        select
            i.incident_urn,
            d.incident_urn as prior_urn,
            d.created_at,
            d.risk_level
        from incidents as i
        inner join domestic as d on {{ arm }} and i.created_at > d.created_at
        {% if not loop.last %}union{% endif %}
    {% endfor %}

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

incident_days as (

    -- Each incident's local day, worked out once rather than once per referral of its person.
    select
        incident_urn,
        person_key,
        {{ local_date_of('created_at') }} as created_on
    from incidents

),

partner_referrals_before as (

    select
        i.incident_urn,
        r.source,
        r.match_probability
    from incident_days as i
    inner join referrals as r
        on
            i.person_key = r.person_key
            and {{ referral_in_history('r.source', 'r.referred_on', 'i.created_on') }}

),

partner_history as (

    select
        incident_urn,
        count(*) filter (where source = 'partner_marac') as marac_referrals_in_lookback,
        count(*) filter (where source = 'partner_mash') as mash_referrals,
        count(*) filter (where source = 'partner_vs') as victim_support_referrals,
        min(match_probability) as link_probability_partners
    from partner_referrals_before
    group by incident_urn

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
        coalesce(h.marac_referrals_in_lookback, 0) as marac_referrals_in_lookback,
        coalesce(h.mash_referrals, 0) as mash_referrals,
        coalesce(h.victim_support_referrals, 0) as victim_support_referrals,
        -- Only history found through the person rests on a link; the caller's own record is
        -- one end of every such link.
        case
            when
                coalesce(p.prior_incidents_person, 0) + coalesce(h.marac_referrals_in_lookback, 0)
                + coalesce(h.mash_referrals, 0) + coalesce(h.victim_support_referrals, 0) > 0
                then least(c.match_probability, p.link_probability_person, h.link_probability_partners)
        end as person_link_probability,
        i.claims,
        i.unverified_claims,
        i.is_deployed,
        i.final_grade
    from incidents as i
    left join by_person as p on i.incident_urn = p.incident_urn
    left join by_address as a on i.incident_urn = a.incident_urn
    left join by_telephone as t on i.incident_urn = t.incident_urn
    left join partner_history as h on i.incident_urn = h.incident_urn
    left join callers as c on i.incident_urn = c.incident_urn

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
        marac_referrals_in_lookback,
        mash_referrals,
        victim_support_referrals,
        person_link_probability,
        (
            prior_incidents_person + prior_incidents_address + prior_incidents_telephone
            + marac_referrals_in_lookback + mash_referrals + victim_support_referrals
        ) > 0 as history_visible,
        (
            prior_incidents_person + prior_incidents_address + prior_incidents_telephone
            + marac_referrals_in_lookback + mash_referrals + victim_support_referrals
        ) > 0
        and (claims = 0 or unverified_claims > 0)
        and (not is_deployed or final_grade in ({{ var('weak_response_grades') | join(', ') }})) as missed_history
    from combined

)

select * from final
