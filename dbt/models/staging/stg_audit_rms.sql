-- Incremental: each build reads only the raw rows it has not read and drops the rows whose
-- raw row is gone (dbt/macros/incremental.sql).
with

source as (

    {{ raw_rows_not_yet_staged('audit_rms') }}

),

with_search_texts as (

    select
        *,
        {{ search_texts('search_text', 'action', 'RMS') }}
    from source

),

with_subjects as (

    {{ with_search_subjects('with_search_texts') }}

),

renamed as (

    select
        cast(audit_id as bigint) as audit_id,
        user_id as staff_no,
        action,
        {{ local_to_utc('timestamp', '%Y-%m-%d %H:%M:%S') }} as searched_at,
        nullif(search_text, '') as search_text,
        nullif(record_id, '') as record_id,
        {{ search_subject_columns() }},
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        _loaded_at as loaded_at,
        {{ build_stamp() }}
    from with_subjects

)

select * from renamed
