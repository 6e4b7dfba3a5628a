-- For the review app's case page: the partner referrals of the caller's linked person as they
-- stood when the call came in (referred on an earlier day), with how sure the linkage is.

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

referrals as (

    select
        'MARAC' as partner,
        'partner_marac' as source,
        case_ref as record_id,
        referral_date as referred_on
    from {{ ref('stg_partner_marac') }}

    union all

    select
        'MASH' as partner,
        'partner_mash' as source,
        referral_id as record_id,
        received_on as referred_on
    from {{ ref('stg_partner_mash') }}

    union all

    select
        'Victim Support' as partner,
        'partner_vs' as source,
        vs_ref as record_id,
        referred_on
    from {{ ref('stg_partner_vs') }}

),

linked as (

    select
        referrals.*,
        people.person_key,
        people.match_probability
    from referrals
    inner join people on referrals.source = people.source and referrals.record_id = people.source_record_id

),

final as (

    select
        candidates.incident_urn,
        linked.partner,
        linked.record_id,
        linked.referred_on,
        linked.match_probability,
        caller.match_probability as caller_match_probability,
        (
            linked.partner != 'MARAC'
            or linked.referred_on >= {{ local_date_of('candidates.created_at') }} - interval ({{ var('marac_lookback_months') }}) month
        ) as counted_in_history
    from candidates
    inner join history on candidates.incident_urn = history.incident_urn
    inner join linked
        on
            history.person_key = linked.person_key
            and linked.referred_on < {{ local_date_of('candidates.created_at') }}
    left join people as caller
        on caller.source = 'cc_incidents' and candidates.incident_urn = caller.source_record_id

)

select * from final
