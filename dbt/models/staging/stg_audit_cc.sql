with

source as (

    select * from {{ source('raw', 'audit_cc') }}

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
        case when search_type = 'NAME' then dacall_surname_key(search_value) end as surname_key,
        case when search_type = 'NAME' then dacall_first_forename(search_value) end as forename_key,
        case when search_type = 'NAME' then cast(dacall_dob_in_text(search_value) as date) end as dob,
        case when search_type = 'UPRN' then regexp_replace(search_value, '\D', '', 'g') end as uprn,
        case when search_type = 'ADDRESS' then dacall_postcode(search_value) end as postcode,
        case when search_type = 'ADDRESS' then dacall_building(search_value) end as building_number,
        case when search_type = 'ADDRESS' then dacall_street_key(search_value) end as street_key,
        case when search_type = 'TELEPHONE' then dacall_e164(search_value) end as phone_e164,
        _file as source_file,
        _line as source_line
    from source

)

select * from renamed
