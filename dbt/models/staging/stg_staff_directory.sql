with

source as (

    select * from {{ source('raw', 'staff_directory') }}

),

latest_snapshot as (

    -- Each file is a full snapshot: the latest one delivered says who was who, when.
    select * from source
    where _file = (select max(_file) from source)

),

renamed as (

    select distinct
        staff_no,
        nullif(pnc_user, '') as pnc_user,
        nullif(pnd_user, '') as pnd_user,
        surname,
        forename,
        role,
        team,
        cast(valid_from as date) as valid_from,
        cast(nullif(valid_to, '') as date) as valid_to
    from latest_snapshot

)

select * from renamed
