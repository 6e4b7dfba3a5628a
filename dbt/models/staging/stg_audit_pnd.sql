-- Incremental: each build reads only the raw rows it has not read and drops the rows whose
-- raw row is gone (dbt/macros/incremental.sql).
with

source as (

    {{ raw_rows_not_yet_staged('audit_pnd') }}

),

renamed as (

    select
        event_id,
        "user" as pnd_user,
        timezone('UTC', cast(ts as timestamptz)) as searched_at,
        search_kind,
        nullif(surname, '') as surname,
        nullif(forename, '') as forename,
        cast(try_strptime(nullif(dob, ''), '%Y-%m-%d') as date) as dob,
        nullif(address, '') as address,
        nullif(postcode, '') as postcode_text,
        nullif(phone, '') as phone,
        nullif(vrm, '') as vrm,
        nullif(name, '') as organisation_name,
        try_cast(nullif(hits, '') as integer) as hits,
        normalise_fold(surname) as surname_key,
        normalise_fold(split_part(trim(forename), ' ', 1)) as forename_key,
        normalise_postcode(coalesce(nullif(postcode, ''), address)) as postcode,
        normalise_building(address) as building_number,
        normalise_street_key(address) as street_key,
        normalise_e164(phone) as phone_e164,
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        _loaded_at as loaded_at,
        {{ build_stamp() }}
    from source

)

select * from renamed
