-- Incremental by record (dbt/macros/latest_version.sql): a build normalises only the records
-- whose latest version is not the row kept; a month's file comes once a month.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='vs_ref',
    on_schema_change='fail',
    pre_hook="{{ delete_records_gone_from(source('raw', 'partner_vs'), 'vs_ref', 'vs_ref') }}"
) }}

{%- set read_until = raw_read_until(source('raw', 'partner_vs')) %}

with

latest as (

    {{ latest_version_not_kept(source('raw', 'partner_vs'), 'vs_ref', 'vs_ref', read_until) }}

),

renamed as (

    select
        vs_ref,
        {{ parse_dmy_date('referred_on') }} as referred_on,
        client_name,
        nullif(client_phone, '') as client_phone,
        normalise_e164(client_phone) as phone_e164,
        consent = 'Y' as has_consent,
        service,
        engaged,
        normalise_surname_key(client_name) as surname_key,
        normalise_first_forename(client_name) as forename_key,
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        {{ raw_marks(source('raw', 'partner_vs')) }}
    from latest

)

select * from renamed
