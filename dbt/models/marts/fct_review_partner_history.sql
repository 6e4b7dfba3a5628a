-- For the review app's case page: the partner referrals of the caller's linked person as they
-- stood when the call came in (referred on an earlier day), with how sure the linkage is. The
-- referrals and their links are int_partner_referrals'.

with

candidates as (

    select * from {{ ref('int_review_candidates') }}

),

history as (

    select * from {{ ref('fct_prior_history') }}

),

people as (

    select * from {{ ref('bridge_person_records') }}

),

partner_referrals as (

    select * from {{ ref('int_partner_referrals') }}

),

linked as (

    -- The partner's name as a reviewer knows it.
    select
        case source
            when 'partner_marac' then 'MARAC'
            when 'partner_mash' then 'MASH'
            else 'Victim Support'
        end as partner,
        source,
        source_record_id as record_id,
        referred_on,
        person_key,
        match_probability
    from partner_referrals

),

candidate_days as (

    -- Each candidate's local day, worked out once rather than once per referral of its person.
    select
        incident_urn,
        {{ local_date_of('created_at') }} as created_on
    from candidates

),

final as (

    select
        candidate_days.incident_urn,
        linked.partner,
        linked.record_id,
        linked.referred_on,
        linked.match_probability,
        caller.match_probability as caller_match_probability,
        {{ referral_in_history('linked.source', 'linked.referred_on', 'candidate_days.created_on') }}
            as counted_in_history
    from candidate_days
    inner join history on candidate_days.incident_urn = history.incident_urn
    inner join linked
        on
            history.person_key = linked.person_key
            and candidate_days.created_on > linked.referred_on
    left join people as caller
        on caller.source = 'cc_incidents' and candidate_days.incident_urn = caller.source_record_id

)

select * from final
