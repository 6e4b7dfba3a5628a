with

source as (

    select * from {{ source('raw', 'audit_rms') }}

),

renamed as (

    select
        cast(audit_id as bigint) as audit_id,
        user_id as staff_no,
        action,
        {{ local_to_utc('timestamp', '%Y-%m-%d %H:%M:%S') }} as searched_at,
        nullif(search_text, '') as search_text,
        nullif(record_id, '') as record_id,
        case when action = 'SEARCH_PERSON' then dacall_surname_key(search_text) end as surname_key,
        case when action = 'SEARCH_PERSON' then dacall_first_forename(search_text) end as forename_key,
        case when action = 'SEARCH_PERSON' then cast(dacall_dob_in_text(search_text) as date) end as dob,
        case when action = 'SEARCH_LOCATION' then dacall_postcode(search_text) end as postcode,
        case when action = 'SEARCH_LOCATION' then dacall_building(search_text) end as building_number,
        case when action = 'SEARCH_LOCATION' then dacall_street_key(search_text) end as street_key,
        case when action = 'SEARCH_TELEPHONE' then dacall_e164(search_text) end as phone_e164,
        _file as source_file,
        _line as source_line
    from source

)

select * from renamed
