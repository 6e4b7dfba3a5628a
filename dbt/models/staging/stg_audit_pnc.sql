-- Incremental: each build reads only the raw rows it has not read and drops the rows whose
-- raw row is gone (dbt/macros/incremental.sql).
with

source as (

    {{ raw_rows_not_yet_staged('audit_pnc') }}

),

renamed as (

    select
        txn_id,
        pnc_user,
        cast(strptime(date || time, '%Y%m%d%H%M%S') as timestamp) as searched_at,
        txn as transaction_code,
        nullif(surname, '') as surname,
        nullif(forenames, '') as forenames,
        cast(try_strptime(nullif(dob, ''), '%Y%m%d') as date) as dob,
        nullif(reason, '') as reason_code,
        nullif(vrm, '') as vrm,
        normalise_fold(surname) as surname_key,
        normalise_fold(split_part(forenames, ' ', 1)) as forename_key,
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        _loaded_at as loaded_at,
        {{ build_stamp() }}
    from source

)

select * from renamed
