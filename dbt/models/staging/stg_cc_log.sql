-- Incremental by entry (dbt/macros/latest_version.sql): an entry is redelivered with every
-- delivery of its incident and the latest file wins; a night converts and writes only the
-- entries whose latest version is not the row kept, and drops the entries raw no longer holds;
-- where no raw row it read is gone, it looks only at the entries with a row loaded since.
-- Rebuilding every entry of all history each night was most of a five-year night's staging.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['incident_urn', 'log_seq'],
    on_schema_change='fail',
    pre_hook="{{ delete_records_gone_from(source('raw', 'cc_log'), ['urn', 'seq'], ['incident_urn', 'log_seq']) }}"
) }}

{%- set read_until = raw_read_until(source('raw', 'cc_log')) %}

with

latest as (

    {{ latest_version_not_kept(source('raw', 'cc_log'), ['urn', 'seq'], ['incident_urn', 'log_seq'], read_until) }}

),

renamed as (

    select
        urn as incident_urn,
        cast(seq as integer) as log_seq,
        {{ local_to_utc('entry_time') }} as entry_at,
        nullif(operator, '') as operator,
        entry_type,
        text as entry_text,
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        {{ raw_marks(source('raw', 'cc_log')) }}
    from latest

)

select * from renamed
