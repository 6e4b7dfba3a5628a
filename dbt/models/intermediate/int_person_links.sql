-- Who is who across the C&C and the partners. Deterministic baseline until the probabilistic
-- linkage lands (issue 5): records agree on folded surname, first initial and date of birth,
-- or, without a date of birth, on surname, initial and telephone number.

with

records as (

    select * from {{ ref('int_person_records') }}

),

keyed as (

    select
        *,
        case
            when dob is not null then surname_key || '|' || left(forename_key, 1) || '|' || cast(dob as varchar)
        end as identity_by_dob,
        case
            when phone_e164 is not null then surname_key || '|' || left(forename_key, 1) || '|' || phone_e164
        end as identity_by_phone
    from records

),

phone_to_dob as (

    -- A record with only a telephone number joins the person known by date of birth who has
    -- that number and name.
    select
        identity_by_phone,
        min(identity_by_dob) as identity_by_dob
    from keyed
    where identity_by_phone is not null and identity_by_dob is not null
    group by identity_by_phone

),

resolved as (

    select
        keyed.source,
        keyed.source_record_id,
        coalesce(keyed.identity_by_dob, phone_to_dob.identity_by_dob, keyed.identity_by_phone) as identity
    from keyed
    left join phone_to_dob on keyed.identity_by_phone = phone_to_dob.identity_by_phone

),

final as (

    select
        source,
        source_record_id,
        'P' || left(sha256('dacall-person|' || identity), 16) as person_key,
        cast(1.0 as double) as match_probability
    from resolved
    where identity is not null

)

select * from final
