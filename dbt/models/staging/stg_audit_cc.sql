-- Incremental: each build reads only the raw rows it has not read and drops the rows whose
-- raw row is gone (dbt/macros/incremental.sql).
with

source as (

    {{ raw_rows_not_yet_staged('audit_cc') }}

),

with_search_texts as (

    select
        *,
        {{ search_texts('search_value', 'search_type', 'CAD') }}
    from source

),

with_subjects as (

    {{ with_search_subjects('with_search_texts') }}

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
        regexp_replace({{ search_text_read_as('uprn', 'search_value', 'search_type', 'CAD') }}, '\D', '', 'g') as uprn,
        {{ search_subject_columns() }},
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        _loaded_at as loaded_at,
        {{ build_stamp() }}
    from with_subjects

)

select * from renamed
