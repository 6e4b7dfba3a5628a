-- Every record of a person the pipeline can link: incident callers and the partners' people,
-- in one shape (names folded, date of birth, postcode, telephone). Victim Support clients who
-- did not consent are left out (config/governance.yml), so they are never linked.
-- A table, though a view would spare the build writing its rows (0.35-0.9 s at five years): a
-- view would show a staging build's rows to this layer's readers (the subject access search,
-- linkage-estimate) before the marts build linked them, or after a staging gate stopped it
-- (tests/test_faults.py: each layer as it was or fully after).

with

incidents as (

    select * from {{ ref('stg_cc_incidents') }}
    where caller_surname_key is not null

),

marac as (

    select * from {{ ref('stg_partner_marac') }}

),

mash as (

    select * from {{ ref('stg_partner_mash') }}

),

victim_support as (

    -- Only clients who consented, unless config/governance.yml records another basis.
    select * from {{ ref('stg_partner_vs') }}
    {% if var('vs_non_consented_basis') is none %}
        where has_consent
    {% endif %}

),

unioned as (

    select
        'cc_incidents' as source,
        incident_urn as source_record_id,
        caller_surname_key as surname_key,
        caller_forename_key as forename_key,
        caller_dob as dob,
        postcode,
        caller_tel_e164 as phone_e164,
        cast(created_at as date) as record_date
    from incidents

    union all

    select
        'partner_marac' as source,
        case_ref as source_record_id,
        surname_key,
        forename_key,
        victim_dob as dob,
        postcode,
        null as phone_e164,
        referral_date as record_date
    from marac

    union all

    select
        'partner_mash' as source,
        referral_id as source_record_id,
        surname_key,
        forename_key,
        subject_dob as dob,
        postcode,
        null as phone_e164,
        received_on as record_date
    from mash

    union all

    select
        'partner_vs' as source,
        vs_ref as source_record_id,
        surname_key,
        forename_key,
        null as dob,
        null as postcode,
        phone_e164,
        referred_on as record_date
    from victim_support

)

select * from unioned
where surname_key is not null
