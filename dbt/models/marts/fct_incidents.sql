-- Written only where its rows changed (dbt/macros/changed_rows.sql).
{{ config(materialized='changed_rows') }}

with

incidents as (

    select * from {{ ref('int_incidents_enriched') }}

),

measured as (

    select
        incident_urn,
        created_at,
        cast(date_trunc('month', {{ local_date_of('created_at') }}) as date) as created_month,
        channel,
        is_domestic,
        is_abandoned,
        is_silent,
        answered_at,
        call_ended_at,
        epoch(answered_at) - epoch(created_at) as answer_seconds,
        channel = '999' and answered_at is not null
        and epoch(answered_at) - epoch(created_at) <= {{ var('answer_target_seconds') }} as answered_within_target,
        callback_at,
        callback_by,
        case
            when is_abandoned or is_silent
                then (epoch(callback_at) - epoch(coalesce(call_ended_at, created_at))) / 60.0
        end as callback_delay_minutes,
        (is_abandoned or is_silent) and callback_at is not null
        and (epoch(callback_at) - epoch(coalesce(call_ended_at, created_at))) / 60.0
        <= {{ var('callback_target_minutes') }} as callback_within_target,
        init_grade,
        final_grade,
        coalesce(init_grade != final_grade, false) as grade_changed,
        is_deployed,
        first_dispatch_at,
        first_arrival_at,
        (epoch(first_dispatch_at) - epoch(created_at)) / 60.0 as dispatch_minutes,
        (epoch(first_arrival_at) - epoch(created_at)) / 60.0 as attendance_minutes,
        case when is_rural then {{ var('grade1_target_rural_minutes') }} else {{ var('grade1_target_urban_minutes') }} end
            as grade1_target_minutes,
        case
            when init_grade = 1 then coalesce(
                (epoch(first_arrival_at) - epoch(created_at)) / 60.0
                <= case when is_rural then {{ var('grade1_target_rural_minutes') }} else {{ var('grade1_target_urban_minutes') }} end,
                false
            )
        end as grade1_within_target,
        risk_level,
        child_present,
        weapon,
        repeat_victim_marker,
        high_risk_marker,
        open_code,
        close_code,
        handler,
        supervisor,
        closed_at,
        version_count > 1 as was_reopened,
        claims,
        unverified_claims,
        person_key
    from incidents

)

select * from measured
