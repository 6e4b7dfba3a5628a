with

latest as (

    {{ latest_version(source('raw', 'partner_mash'), 'referral_id') }}

),

renamed as (

    select
        referral_id,
        cast(received as date) as received_on,
        subject_name,
        cast(nullif(subject_dob, '') as date) as subject_dob,
        nullif(address, '') as address,
        dacall_postcode(postcode) as postcode,
        concern_type,
        outcome,
        cast(nullif(outcome_date, '') as date) as outcome_date,
        dacall_surname_key(subject_name) as surname_key,
        dacall_first_forename(subject_name) as forename_key,
        dacall_building(address) as building_number,
        dacall_street_key(address) as street_key
    from latest

)

select * from renamed
