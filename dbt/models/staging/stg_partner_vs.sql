with

latest as (

    {{ latest_version(source('raw', 'partner_vs'), 'vs_ref') }}

),

renamed as (

    select
        vs_ref,
        {{ parse_dmy_date('referred_on') }} as referred_on,
        client_name,
        nullif(client_phone, '') as client_phone,
        dacall_e164(client_phone) as phone_e164,
        consent = 'Y' as has_consent,
        service,
        engaged,
        dacall_surname_key(client_name) as surname_key,
        dacall_first_forename(client_name) as forename_key
    from latest

)

select * from renamed
