-- Incidents with the measures analysts and the prior-history model need. Written only where
-- its rows changed (dbt/macros/changed_rows.sql): its query costs a tenth of writing it whole.
{{ config(materialized='changed_rows') }}

with

incidents as (

    -- Without the staging model's marks of raw, its own bookkeeping.
    select * exclude (raw_rows_held, raw_loaded_until) from {{ ref('stg_cc_incidents') }}

),

codes as (

    select * from {{ ref('ref_incident_codes') }}

),

rural as (

    select * from {{ ref('ref_rural_postcode_districts') }}

),

people as (

    select * from {{ ref('int_person_links') }}
    where source = 'cc_incidents'

),

claims as (

    select
        incident_urn,
        count(*) as claims,
        count(*) filter (where not has_matching_audit) as unverified_claims
    from {{ ref('int_check_reconciliation') }}
    group by incident_urn

),

enriched as (

    select
        incidents.*,
        coalesce(open_codes.is_domestic_related = 'Y', false)
        or coalesce(close_codes.is_domestic_related = 'Y', false)
        or list_contains(string_split(incidents.qualifiers, ';'), 'DOMESTIC') as is_domestic,
        list_contains(string_split(incidents.qualifiers, ';'), 'CHILD PRESENT') as child_present,
        list_contains(string_split(incidents.qualifiers, ';'), 'WEAPON') as weapon,
        list_contains(string_split(incidents.qualifiers, ';'), 'REPEAT VICTIM') as repeat_victim_marker,
        list_contains(string_split(incidents.qualifiers, ';'), 'HIGH RISK MARKER') as high_risk_marker,
        rural.district is not null as is_rural,
        people.person_key,
        coalesce(claims.claims, 0) as claims,
        coalesce(claims.unverified_claims, 0) as unverified_claims
    from incidents
    left join codes as open_codes on incidents.open_code = open_codes.code
    left join codes as close_codes on incidents.close_code = close_codes.code
    left join rural on split_part(incidents.postcode, ' ', 1) = rural.district
    left join people on incidents.incident_urn = people.source_record_id
    left join claims on incidents.incident_urn = claims.incident_urn

)

select * from enriched
