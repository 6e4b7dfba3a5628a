-- Incremental by record (dbt/macros/latest_version.sql): a build normalises only the records
-- whose latest version is not the row kept; a month's file comes once a month.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='referral_id',
    on_schema_change='fail',
    pre_hook="{{ delete_records_gone_from(source('raw', 'partner_mash'), 'referral_id', 'referral_id') }}"
) }}

{%- set read_until = raw_read_until(source('raw', 'partner_mash')) %}

with

latest as (

    {{ latest_version_not_kept(source('raw', 'partner_mash'), 'referral_id', 'referral_id', read_until) }}

),

renamed as (

    select
        referral_id,
        cast(received as date) as received_on,
        subject_name,
        cast(nullif(subject_dob, '') as date) as subject_dob,
        nullif(address, '') as address,
        normalise_postcode(postcode) as postcode,
        concern_type,
        outcome,
        cast(nullif(outcome_date, '') as date) as outcome_date,
        normalise_surname_key(subject_name) as surname_key,
        normalise_first_forename(subject_name) as forename_key,
        normalise_building(address) as building_number,
        normalise_street_key(address) as street_key,
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        {{ raw_marks(source('raw', 'partner_mash')) }}
    from latest

)

select * from renamed
