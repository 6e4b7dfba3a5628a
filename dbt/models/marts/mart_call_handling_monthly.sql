-- Monthly call-handling and safeguarding measures, ready for a BI tool.

with

incidents as (

    select * from {{ ref('fct_incidents') }}

),

history as (

    select * from {{ ref('fct_prior_history') }}

),

joined as (

    select
        incidents.*,
        history.prior_incidents_person > 0 as is_repeat_caller,
        history.missed_history
    from incidents
    left join history on incidents.incident_urn = history.incident_urn

),

monthly as (

    select
        created_month as month,
        count(*) as incidents,
        count(*) filter (where is_domestic) as domestic_incidents,
        count(*) filter (where channel in ('999', '101')) as calls,
        count(*) filter (where channel = '999') as calls_999,
        count(*) filter (where channel = '999' and answered_at is not null) as calls_999_answered,
        count(*) filter (where answered_within_target) as calls_999_answered_within_target,
        count(*) filter (where is_abandoned) as abandoned_calls,
        count(*) filter (where is_silent) as silent_calls,
        count(*) filter (where is_abandoned or is_silent) as abandoned_or_silent_calls,
        count(*) filter (where callback_within_target) as callbacks_within_target,
        count(*) filter (where init_grade = 1) as grade1_incidents,
        count(*) filter (where grade1_within_target) as grade1_attended_within_target,
        count(*) filter (where is_repeat_caller) as repeat_caller_incidents,
        count(distinct person_key) filter (where is_repeat_caller) as repeat_callers,
        count(*) filter (where missed_history) as missed_history_incidents
    from joined
    group by created_month

),

final as (

    select
        month,
        incidents,
        domestic_incidents,
        calls_999,
        calls_999_answered,
        calls_999_answered_within_target,
        -- The published standard's share: of the 999 calls answered, those answered in time.
        round(100.0 * calls_999_answered_within_target / nullif(calls_999_answered, 0), 1) as pct_999_answered_within_target,
        abandoned_calls,
        silent_calls,
        -- Shares of telephone calls (999 and 101), not of incidents: online reports and
        -- transfers cannot be abandoned or silent.
        calls,
        round(100.0 * abandoned_calls / nullif(calls, 0), 1) as pct_abandoned,
        round(100.0 * silent_calls / nullif(calls, 0), 1) as pct_silent,
        callbacks_within_target,
        round(100.0 * callbacks_within_target / nullif(abandoned_or_silent_calls, 0), 1)
            as pct_called_back_within_target,
        grade1_incidents,
        grade1_attended_within_target,
        round(100.0 * grade1_attended_within_target / nullif(grade1_incidents, 0), 1)
            as pct_grade1_within_target,
        repeat_caller_incidents,
        repeat_callers,
        missed_history_incidents
    from monthly

)

select * from final
