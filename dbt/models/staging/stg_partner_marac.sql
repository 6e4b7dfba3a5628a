with

latest as (

    {{ latest_version(source('raw', 'partner_marac'), 'case_ref') }}

),

renamed as (

    select
        case_ref,
        {{ parse_dmy_date('referral_date') }} as referral_date,
        {{ parse_dmy_date('meeting_date') }} as meeting_date,
        victim_forename,
        victim_surname,
        {{ parse_dmy_date('victim_dob') }} as victim_dob,
        dacall_postcode(victim_postcode) as postcode,
        referring_agency,
        risk_basis,
        repeat = 'Yes' as is_repeat,
        try_cast(children_in_household as integer) as children_in_household,
        dacall_fold(victim_surname) as surname_key,
        dacall_fold(split_part(trim(victim_forename), ' ', 1)) as forename_key
    from latest

)

select * from renamed
