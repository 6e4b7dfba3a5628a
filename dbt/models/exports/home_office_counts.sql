-- The Home Office's dataset (config/sharing/home_office.yml): each local month's domestic
-- incidents counted in total and by channel, first grade, risk level and repeat victim (the
-- caller had an earlier domestic incident). Every month the warehouse holds has its total,
-- zero included. Small numbers are suppressed when the extract is written (dacall.extracts).

with

incidents as (

    select * from {{ ref('fct_incidents') }}

),

prior_history as (

    select * from {{ ref('fct_prior_history') }}

),

months as (

    select distinct strftime(created_month, '%Y-%m') as month
    from incidents

),

domestic as (

    select
        strftime(incidents.created_month, '%Y-%m') as month,
        incidents.channel,
        cast(incidents.init_grade as varchar) as init_grade,
        incidents.risk_level,
        case when coalesce(prior_history.prior_incidents_person, 0) > 0 then 'Y' else 'N' end
            as repeat_victim
    from incidents
    left join prior_history on incidents.incident_urn = prior_history.incident_urn
    where incidents.is_domestic

),

totals as (

    select
        months.month,
        'total' as dimension,
        'all' as value,
        count(domestic.month) as incidents
    from months
    left join domestic on months.month = domestic.month
    group by months.month

),

counts as (

    {% for dimension in ['channel', 'init_grade', 'risk_level', 'repeat_victim'] %}
        select
            month,
            '{{ dimension }}' as dimension,
            {{ dimension }} as value,
            count(*) as incidents
        from domestic
        group by month, {{ dimension }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select * from totals
    union all
    select * from counts

)

select * from final
