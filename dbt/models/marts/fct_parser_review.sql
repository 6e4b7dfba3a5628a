-- Log entries the claims parser was unsure of, each with the reason, for the data team to
-- label and extend config/claims_vocabulary.yml: entries naming a system or a check word that
-- gave no claim, and claims that rested on a guessed spelling or on the standard check set.

with

unclaimed as (

    select * from {{ ref('int_unclaimed_check_entries') }}

),

claims as (

    select * from {{ ref('int_claims') }}
    where claim_doubts is not null

),

log as (

    select * from {{ ref('stg_cc_log') }}

),

doubted_claims as (

    select
        claims.incident_urn,
        claims.log_seq,
        claims.claimed_at as entry_at,
        claims.claimed_by as operator,
        case
            when claims.claim_doubts like '%guessed spelling%' then 'claim on a guessed spelling'
            else 'claim on the standard check set'
        end as reason,
        string_agg(distinct claims.claim_evidence, '; ' order by claims.claim_evidence) as decided_by,
        count(*) as claims
    from claims
    group by all

),

unclaimed_entries as (

    select
        incident_urn,
        log_seq,
        entry_at,
        operator,
        reason,
        decided_by,
        0::bigint as claims
    from unclaimed

),

unioned as (

    select * from doubted_claims
    union all
    select * from unclaimed_entries

),

final as (

    select
        unioned.incident_urn,
        unioned.log_seq,
        unioned.entry_at,
        unioned.operator,
        unioned.reason,
        unioned.decided_by,
        unioned.claims,
        log.entry_text
    from unioned
    inner join log
        on
            unioned.incident_urn = log.incident_urn
            and unioned.log_seq = log.log_seq

)

select * from final
