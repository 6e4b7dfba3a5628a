-- Incremental by record (dbt/macros/latest_version.sql): a build normalises only the records
-- whose latest version is not the row kept; a month's file comes once a month.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='case_ref',
    on_schema_change='fail',
    pre_hook="{{ delete_records_gone_from(source('raw', 'partner_marac'), 'case_ref', 'case_ref') }}"
) }}

{%- set read_until = raw_read_until(source('raw', 'partner_marac')) %}

with

latest as (

    {{ latest_version_not_kept(source('raw', 'partner_marac'), 'case_ref', 'case_ref', read_until) }}

),

renamed as (

    select
        case_ref,
        {{ parse_dmy_date('referral_date') }} as referral_date,
        {{ parse_dmy_date('meeting_date') }} as meeting_date,
        victim_forename,
        victim_surname,
        {{ parse_dmy_date('victim_dob') }} as victim_dob,
        normalise_postcode(victim_postcode) as postcode,
        referring_agency,
        risk_basis,
        repeat = 'Yes' as is_repeat,
        try_cast(children_in_household as integer) as children_in_household,
        normalise_fold(victim_surname) as surname_key,
        normalise_fold(split_part(trim(victim_forename), ' ', 1)) as forename_key,
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        {{ raw_marks(source('raw', 'partner_marac')) }}
    from latest

)

select * from renamed
