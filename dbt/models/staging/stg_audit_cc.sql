-- Incremental: each night reads only the raw rows it has not read, and drops the rows whose
-- raw row is gone (dbt/macros/incremental.sql).
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_gone_from(source('raw', 'audit_cc'), raw_row_key()) }}"
) }}

with

source as (

    select * from {{ source('raw', 'audit_cc') }} as delivered
    {{- only_rows_not_yet_read('delivered', raw_row_key()) }}

),

renamed as (

    select
        -- The C&C audit has no id of its own: the file and line identify a row.
        'CAD:' || replace(_file, 'audit_cc_', '') || '#' || _line as audit_id,
        "user" as staff_no,
        {{ local_to_utc('time') }} as searched_at,
        search_type,
        search_value,
        try_cast(results as integer) as results,
        case when search_type = 'UPRN' then regexp_replace(search_value, '\D', '', 'g') end as uprn,
        {{ search_subject_columns('search_value', 'search_type', 'NAME', 'ADDRESS', 'TELEPHONE') }},
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256
    from source

)

select * from renamed
