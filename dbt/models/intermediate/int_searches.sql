-- Every person, address and telephone search in the four audited systems, in one shape,
-- with the searcher mapped to a staff number through the directory row valid that day. Which
-- audit rows are searches of a subject, and of which type, is the seed ref_search_kinds.

with

search_kinds as (

    select * from {{ ref('ref_search_kinds') }}

),

pnc as (

    select
        pnc_audit.*,
        search_kinds.subject_type
    from {{ ref('stg_audit_pnc') }} as pnc_audit
    inner join search_kinds
        on search_kinds.system = 'PNC' and pnc_audit.transaction_code = search_kinds.search_kind

),

pnd as (

    select
        pnd_audit.*,
        search_kinds.subject_type
    from {{ ref('stg_audit_pnd') }} as pnd_audit
    inner join search_kinds
        on search_kinds.system = 'PND' and pnd_audit.search_kind = search_kinds.search_kind

),

rms as (

    select
        rms_audit.*,
        search_kinds.subject_type
    from {{ ref('stg_audit_rms') }} as rms_audit
    inner join search_kinds
        on search_kinds.system = 'RMS' and rms_audit.action = search_kinds.search_kind

),

cad as (

    select
        cad_audit.*,
        search_kinds.subject_type
    from {{ ref('stg_audit_cc') }} as cad_audit
    inner join search_kinds
        on search_kinds.system = 'CAD' and cad_audit.search_type = search_kinds.search_kind

),

staff as (

    select * from {{ ref('stg_staff_directory') }}

),

pnc_searches as (

    select
        'PNC:' || txn_id as audit_ref,
        'PNC' as system,
        subject_type,
        searched_at,
        pnc_user as audit_user,
        surname_key,
        left(forename_key, 1) as forename_initial,
        -- A separate surname field marks the surname: one reading.
        [surname_key || ':' || left(forename_key, 1)] as name_readings,
        dob,
        null::varchar as uprn,
        null::varchar as building_number,
        null::varchar as street_key,
        null::varchar as postcode,
        null::varchar as phone_e164
    from pnc

),

pnd_searches as (

    select
        'PND:' || event_id as audit_ref,
        'PND' as system,
        subject_type,
        searched_at,
        pnd_user as audit_user,
        surname_key,
        left(forename_key, 1) as forename_initial,
        [surname_key || ':' || left(forename_key, 1)] as name_readings,
        dob,
        null::varchar as uprn,
        building_number,
        street_key,
        postcode,
        phone_e164
    from pnd

),

rms_searches as (

    select
        'RMS:' || audit_id as audit_ref,
        'RMS' as system,
        subject_type,
        searched_at,
        staff_no as audit_user,
        surname_key,
        left(forename_key, 1) as forename_initial,
        -- One box for the whole name, typed in either order: every reading is tried.
        string_split(
            dacall_name_readings(case when subject_type = 'PERSON' then search_text end), '|'
        ) as name_readings,
        dob,
        null::varchar as uprn,
        building_number,
        street_key,
        postcode,
        phone_e164
    from rms

),

cad_searches as (

    select
        audit_id as audit_ref,
        'CAD' as system,
        subject_type,
        searched_at,
        staff_no as audit_user,
        surname_key,
        left(forename_key, 1) as forename_initial,
        string_split(
            dacall_name_readings(case when subject_type = 'PERSON' then search_value end), '|'
        ) as name_readings,
        dob,
        uprn,
        building_number,
        street_key,
        postcode,
        phone_e164
    from cad

),

unioned as (

    select * from pnc_searches
    union all
    select * from pnd_searches
    union all
    select * from rms_searches
    union all
    select * from cad_searches

),

with_local_day as (

    select
        *,
        {{ local_date_of('searched_at') }} as local_day
    from unioned

),

directory_users as (

    -- Who held each PNC and PND user id, when: the directory in one shape per system.
    select
        'PNC' as system,
        pnc_user as audit_user,
        staff_no,
        valid_from,
        valid_to
    from staff
    where pnc_user is not null

    union all

    select
        'PND' as system,
        pnd_user as audit_user,
        staff_no,
        valid_from,
        valid_to
    from staff
    where pnd_user is not null

),

searchers as (

    select
        s.audit_ref,
        d.staff_no
    from with_local_day as s
    inner join directory_users as d
        on
            s.system = d.system
            and s.audit_user = d.audit_user
            and s.local_day between d.valid_from and coalesce(d.valid_to, date '9999-12-31')
    qualify row_number() over (partition by s.audit_ref order by d.valid_from desc) = 1

),

mapped as (

    select
        s.audit_ref,
        s.system,
        s.subject_type,
        s.searched_at,
        s.audit_user,
        -- RMS and the C&C audit users are staff numbers already.
        case
            when s.system in ('PNC', 'PND') then searchers.staff_no
            else s.audit_user
        end as staff_no,
        s.surname_key,
        s.forename_initial,
        s.name_readings,
        s.dob,
        s.uprn,
        s.building_number,
        s.street_key,
        s.postcode,
        s.phone_e164
    from with_local_day as s
    left join searchers on s.audit_ref = searchers.audit_ref

)

select * from mapped
