-- Each claim with the subject it is about (claims.md: the incident's, whatever the text says)
-- and its reconciliation window.
--
-- Incremental (dbt/macros/copied_rows.sql): a claim's row is made from its reading (int_claims)
-- and its incident (stg_cc_incidents), each kept with the stamp of the build that wrote it; a
-- build drops the rows whose reading or incident was written again or is gone, and makes the
-- rows of the claims it does not hold.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook=[
        "{{ delete_rows_restamped(ref('int_claims'), claim_key_columns(), 'claim_built_at') }}",
        "{{ delete_rows_restamped(ref('stg_cc_incidents'), ['incident_urn'], 'incident_built_at') }}",
    ]
) }}

with

claims as (

    select * from {{ ref('int_claims') }} as claim
    {{- rows_not_held('claim', claim_key_columns()) }}

),

incidents as (

    select * from {{ ref('stg_cc_incidents') }}

),

capabilities as (

    select * from {{ ref('ref_check_capabilities') }}

),

joined as (

    select
        {{ claim_key('claims') }},
        claims.claimed_result,
        claims.claimed_by,
        claims.claimed_at,
        claims.claim_evidence,
        incidents.created_at,
        incidents.created_at - interval ({{ var('window_before_creation_minutes') }}) minute as window_start,
        claims.claimed_at + interval ({{ var('window_grace_minutes') }}) minute as window_end,
        capabilities.searchable,
        case claims.subject_type
            when 'PERSON' then incidents.caller_surname_key is not null
            when 'ADDRESS' then coalesce(incidents.uprn, incidents.location, incidents.postcode) is not null
            else incidents.caller_tel_e164 is not null
        end as has_subject,
        case when claims.subject_type = 'PERSON' then incidents.caller_surname_key end as surname_key,
        case when claims.subject_type = 'PERSON' then incidents.caller_forename_initial end as forename_initial,
        case when claims.subject_type = 'PERSON' then incidents.caller_dob end as dob,
        case when claims.subject_type = 'ADDRESS' then incidents.uprn end as uprn,
        case when claims.subject_type = 'ADDRESS' then incidents.building_number end as building_number,
        case when claims.subject_type = 'ADDRESS' then incidents.street_key end as street_key,
        case when claims.subject_type = 'ADDRESS' then incidents.postcode end as postcode,
        case when claims.subject_type = 'TELEPHONE' then incidents.caller_tel_e164 end as phone_e164,
        claims.built_at as claim_built_at,
        incidents.built_at as incident_built_at
    from claims
    inner join incidents on claims.incident_urn = incidents.incident_urn
    inner join capabilities
        on
            claims.system = capabilities.system
            and claims.subject_type = capabilities.subject_type

)

select * from joined
