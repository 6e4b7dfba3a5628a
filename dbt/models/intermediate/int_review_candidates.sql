-- Every incident worth a reviewer's time: a claim without a matching audit entry, or missed
-- history. Each gets its review signals, scored and banded by config/review.yml (through
-- int_review_signal_rules), the handler's team and the shift the call came in on.

with

incidents as (

    select * from {{ ref('fct_incidents') }}

),

history as (

    select * from {{ ref('fct_prior_history') }}

),

claims as (

    select * from {{ ref('fct_check_reconciliation') }}

),

rules as (

    select * from {{ ref('int_review_signal_rules') }}

),

shifts as (

    select * from {{ ref('int_review_shifts') }}

),

exceptions as (

    select
        incident_urn,
        count(*) as exceptions,
        count(*) filter (where status = 'NO_AUDIT') as no_audit,
        count(*) filter (where status = 'WRONG_SUBJECT') as wrong_subject,
        count(*) filter (where status = 'OUTSIDE_WINDOW') as outside_window,
        count(*) filter (where status = 'NO_SUBJECT') as no_subject,
        count(*) filter (where status = 'NOT_SEARCHABLE') as not_searchable,
        string_agg(distinct system, ',' order by system) as exception_systems
    from claims
    where not has_matching_audit
    group by incident_urn

),

candidates as (

    select
        incidents.incident_urn,
        incidents.created_at,
        incidents.channel,
        incidents.is_abandoned,
        incidents.is_silent,
        incidents.is_deployed,
        incidents.final_grade,
        incidents.risk_level,
        incidents.high_risk_marker,
        incidents.child_present,
        incidents.weapon,
        incidents.handler,
        incidents.claims,
        history.history_visible,
        history.missed_history,
        coalesce(exceptions.exceptions, 0) as exceptions,
        coalesce(exceptions.no_audit, 0) as no_audit,
        coalesce(exceptions.wrong_subject, 0) as wrong_subject,
        coalesce(exceptions.outside_window, 0) as outside_window,
        coalesce(exceptions.no_subject, 0) as no_subject,
        coalesce(exceptions.not_searchable, 0) as not_searchable,
        coalesce(exceptions.exception_systems, '') as exception_systems,
        timezone('Europe/London', timezone('UTC', incidents.created_at)) as created_local
    from incidents
    inner join history on incidents.incident_urn = history.incident_urn
    left join exceptions on incidents.incident_urn = exceptions.incident_urn
    where exceptions.exceptions > 0 or history.missed_history

),

signals as (

    -- One row per incident and signal present, with the number of claims concerned.
    select
        incident_urn,
        'missed_history' as signal,
        1 as claims
    from candidates
    where missed_history

    union all

    select
        incident_urn,
        'abandoned_or_silent_unchecked' as signal,
        no_audit + wrong_subject + outside_window as claims
    from candidates
    where (is_abandoned or is_silent) and no_audit + wrong_subject + outside_window > 0

    union all

    select
        incident_urn,
        'high_risk_unchecked' as signal,
        no_audit + wrong_subject as claims
    from candidates
    where (risk_level = 'HIGH' or high_risk_marker) and no_audit + wrong_subject > 0

    union all

    select
        incident_urn,
        'history_unchecked' as signal,
        no_audit + wrong_subject + outside_window as claims
    from candidates
    where history_visible and not missed_history and no_audit + wrong_subject + outside_window > 0

    union all

    select
        incident_urn,
        'no_audit' as signal,
        no_audit as claims
    from candidates
    where no_audit > 0

    union all

    select
        incident_urn,
        'wrong_subject' as signal,
        wrong_subject as claims
    from candidates
    where wrong_subject > 0

    union all

    select
        incident_urn,
        'outside_window' as signal,
        outside_window as claims
    from candidates
    where outside_window > 0

    union all

    select
        incident_urn,
        'child_or_weapon' as signal,
        no_audit + wrong_subject + outside_window as claims
    from candidates
    where (child_present or weapon) and no_audit + wrong_subject + outside_window > 0

    union all

    select
        incident_urn,
        'no_subject' as signal,
        no_subject as claims
    from candidates
    where no_subject > 0

    union all

    select
        incident_urn,
        'not_searchable' as signal,
        not_searchable as claims
    from candidates
    where not_searchable > 0

),

weighed_signals as (

    select
        signals.incident_urn,
        rules.weight,
        rules.band,
        rules.signal,
        replace(rules.reason, '{count}', cast(signals.claims as varchar)) as reason
    from signals
    inner join rules on signals.signal = rules.signal

),

scored as (

    -- Each incident's signals in order of weight (heaviest first, then by name), as a list
    -- sorted once per incident: an ordered string_agg, one sort per aggregate and group, took
    -- three times as long over five years of incidents.
    select
        incident_urn,
        cast(sum(weight) as bigint) as priority_score,
        min(band) as band,
        list_sort(list(struct_pack(heaviest_first := -weight, signal := signal, reason := reason)))
            as ordered_signals
    from weighed_signals
    group by incident_urn

),

scored_texts as (

    select
        scored.incident_urn,
        scored.priority_score,
        scored.band,
        array_to_string(list_transform(scored.ordered_signals, lambda s: s.reason), ' ') as reasons,
        array_to_string(list_transform(scored.ordered_signals, lambda s: s.signal), ',') as signals
    from scored

),

with_team as (

    -- The handler's team on the day the call came in.
    {{ with_staff_team('candidates', 'candidates.handler', 'cast(candidates.created_local as date)') }}

),

with_shift as (

    select
        with_team.*,
        shifts.shift
    from with_team
    left join shifts
        on
            case
                when shifts.starts_minute < shifts.ends_minute
                    then
                        hour(with_team.created_local) * 60 + minute(with_team.created_local) >= shifts.starts_minute
                        and hour(with_team.created_local) * 60 + minute(with_team.created_local) < shifts.ends_minute
                else
                    hour(with_team.created_local) * 60 + minute(with_team.created_local) >= shifts.starts_minute
                    or hour(with_team.created_local) * 60 + minute(with_team.created_local) < shifts.ends_minute
            end

),

final as (

    select
        with_shift.incident_urn,
        with_shift.created_at,
        cast(with_shift.created_local as date) as created_on,
        coalesce(with_shift.shift, 'UNKNOWN') as shift,
        with_shift.team,
        with_shift.handler,
        with_shift.channel,
        with_shift.risk_level,
        with_shift.is_abandoned,
        with_shift.is_silent,
        with_shift.is_deployed,
        with_shift.final_grade,
        with_shift.history_visible,
        with_shift.missed_history,
        with_shift.claims,
        with_shift.exceptions,
        with_shift.exception_systems,
        scored_texts.signals,
        scored_texts.priority_score,
        scored_texts.band,
        scored_texts.reasons
    from with_shift
    left join scored_texts on with_shift.incident_urn = scored_texts.incident_urn

)

select * from final
