-- Checks claimed and verified, by month, system and the claimant's team.

with

claims as (

    select * from {{ ref('fct_check_reconciliation') }}

),

staff as (

    select * from {{ ref('stg_staff_directory') }}

),

with_team as (

    select
        claims.*,
        cast(date_trunc('month', {{ local_date_of('claims.claimed_at') }}) as date) as month,
        coalesce(staff.team, 'UNKNOWN') as team
    from claims
    left join staff
        on
            claims.claimed_by = staff.staff_no
            and {{ local_date_of('claims.claimed_at') }} between staff.valid_from and coalesce(staff.valid_to, date '9999-12-31')
    qualify row_number() over (
        partition by claims.incident_urn, claims.log_seq, claims.system, claims.subject_type
        order by staff.valid_from desc
    ) = 1

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
