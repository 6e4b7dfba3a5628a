-- Every person, address and telephone search in the four audited systems, in one shape,
-- with the searcher mapped to a staff number through the directory row valid that day. Which
-- audit rows are searches of a subject, and of which type, is the seed ref_search_kinds.

{#-
  Where each system's audit keeps what a search needs, one system a line, so that every
  system goes through the same steps below:
  - search_kind: the column the seed ref_search_kinds reads;
  - audit_ref: the entry's own reference, prefixed with the system where the id is only its own;
  - audit_user: who searched, in the system's own user ids;
  - directory_user: the staff directory's column for those ids (none: they are staff numbers);
  - name_box: the one box holding a whole name typed in either order, whose every reading its
    staging model has read (none: a separate surname field marks the surname, so there is one
    reading);
  - subject_columns: which of the subject columns its staging model reads; the others are null.
-#}
{%- set person = ['surname_key', 'dob'] -%}
{%- set location_and_telephone = ['building_number', 'street_key', 'postcode', 'phone_e164'] -%}
{%- set subject_columns = ['surname_key', 'dob', 'uprn'] + location_and_telephone -%}
{%- set audit_systems = [
    {'system': 'PNC', 'model': 'stg_audit_pnc', 'search_kind': 'transaction_code', 'audit_ref': "'PNC:' || txn_id",
     'audit_user': 'pnc_user', 'directory_user': 'pnc_user', 'name_box': none, 'subject_columns': person},
    {'system': 'PND', 'model': 'stg_audit_pnd', 'search_kind': 'search_kind', 'audit_ref': "'PND:' || event_id",
     'audit_user': 'pnd_user', 'directory_user': 'pnd_user', 'name_box': none,
     'subject_columns': person + location_and_telephone},
    {'system': 'RMS', 'model': 'stg_audit_rms', 'search_kind': 'action', 'audit_ref': "'RMS:' || audit_id",
     'audit_user': 'staff_no', 'directory_user': none, 'name_box': 'search_text',
     'subject_columns': person + location_and_telephone},
    {'system': 'CAD', 'model': 'stg_audit_cc', 'search_kind': 'search_type', 'audit_ref': 'audit_id',
     'audit_user': 'staff_no', 'directory_user': none, 'name_box': 'search_value',
     'subject_columns': person + location_and_telephone + ['uprn']},
] %}

with

search_kinds as (

    select * from {{ ref('ref_search_kinds') }}

),

staff as (

    select * from {{ ref('stg_staff_directory') }}

),

unioned as (

    -- Each system's searches of a subject in one shape: a subject column it lacks is null.
    {%- for audit in audit_systems %}

        select
            {{ audit.audit_ref }} as audit_ref,
            '{{ audit.system }}' as system,
            search_kinds.subject_type,
            audit.searched_at,
            audit.{{ audit.audit_user }} as audit_user,
            left(audit.forename_key, 1) as forename_initial,
            {%- for column in subject_columns %}
                {%- if column in audit.subject_columns %}
                    audit.{{ column }},
                {%- else %}
                    null::varchar as {{ column }},
                {%- endif %}
            {%- endfor %}
            {%- if audit.name_box %}
                audit.name_readings
            {%- else %}
                [audit.surname_key || ':' || left(audit.forename_key, 1)] as name_readings
            {%- endif %}
        from {{ ref(audit.model) }} as audit
        inner join search_kinds
            on search_kinds.system = '{{ audit.system }}' and audit.{{ audit.search_kind }} = search_kinds.search_kind
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

with_local_day as (

    select
        *,
        {{ local_date_of('searched_at') }} as local_day
    from unioned

),

directory_users as (

    -- Who held each PNC and PND user id, when: the directory in one shape per system.
    {%- for audit in audit_systems if audit.directory_user %}

        select
            '{{ audit.system }}' as system,
            {{ audit.directory_user }} as audit_user,
            staff_no,
            valid_from,
            valid_to
        from staff
        where {{ audit.directory_user }} is not null
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

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
            and {{ staff_row_valid_on('d', 's.local_day') }}
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
