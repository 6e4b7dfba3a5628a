with

source as (

    select * from {{ source('raw', 'staff_directory') }}

),

latest_file as (

    -- Each file is a full snapshot: the latest one delivered says who was who, when.
    select max(_file) as latest_file from source

),

latest_snapshot as (

    select source.*
    from source
    inner join latest_file on source._file = latest_file.latest_file

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
