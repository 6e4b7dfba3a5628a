-- Checks claimed and verified, by month, system and the claimant's team.

with

claims as (

    select * from {{ ref('fct_check_reconciliation') }}

),

with_month as (

    select
        *,
        {{ local_date_of('claimed_at') }} as claimed_day,
        cast(date_trunc('month', claimed_day) as date) as month
    from claims

),

with_team as (

    -- The claimant's team on the day of the claim.
    {{ with_staff_team('with_month', 'with_month.claimed_by', 'with_month.claimed_day') }}

),

final as (

    select
        month,
        system,
        team,
        count(*) as claims,
        count(*) filter (where status = 'VERIFIED') as verified,
        count(*) filter (where status = 'VERIFIED_BY_COLLEAGUE') as verified_by_colleague,
        count(*) filter (where not has_matching_audit) as exceptions,
        count(*) filter (where status = 'NO_AUDIT') as no_audit,
        count(*) filter (where status = 'OUTSIDE_WINDOW') as outside_window,
        count(*) filter (where status = 'WRONG_SUBJECT') as wrong_subject,
        count(*) filter (where status = 'NOT_SEARCHABLE') as not_searchable,
        count(*) filter (where status = 'NO_SUBJECT') as no_subject,
        round(100.0 * count(*) filter (where has_matching_audit) / count(*), 1) as pct_with_matching_audit
    from with_team
    group by all

)

select * from final
