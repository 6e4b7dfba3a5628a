-- Every person, address and telephone search in the four audited systems, in one shape,
-- with the searcher mapped to a staff number through the directory row valid that day. Which
-- audit rows are searches of a subject, and of which type, is the seed ref_search_kinds; where
-- each system keeps what a search needs is dbt/macros/audit_searches.sql.
--
-- Incremental (dbt/macros/incremental.sql): a night reads only the staged audit rows it has not
-- read, drops the searches whose staged row is gone, and reads again the searches of a PNC or
-- PND user id whose directory rows changed (searcher_rows), so that they are mapped again.
-- The searches of a changed user id are dropped first, and their deliveries named to the next
-- hook as deliveries to read again: its counts alone can miss them (a delivery that lost as
-- many other searches upstream, to an erasure, holds as many here as staged).
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook=[
        "{{ delete_searches_of_changed_searchers() }}",
        "{{ delete_rows_gone_from(audit_rows_staged(), staged_row_key(),"
        " stamp=row_stamps('staged').stamp, held_stamp=row_stamps('staged').held_stamp,"
        " read_again=searches_remapped_table()) }}",
    ]
) }}

{%- set audit_systems = audit_search_systems() %}
{#- The systems whose audit users are user ids, mapped to staff numbers through the directory. #}
{%- set directory_systems = audit_systems | selectattr('directory_user') | map(attribute='system') | list %}
{%- set directory_system_list -%}
    ({% for system in directory_systems %}'{{ system }}'{{ ', ' if not loop.last }}{% endfor %})
{%- endset %}
{%- set subject_columns = ['surname_key', 'dob', 'uprn', 'building_number', 'street_key', 'postcode', 'phone_e164'] %}

with

search_kinds as (

    select * from {{ ref('ref_search_kinds') }}

),

directory_users as (

    {{ searcher_directory_rows() }}

),

deliveries_to_read as (

    -- The deliveries whose searches here and staged differ in number: only there is a search
    -- new or gone (dbt/macros/incremental.sql). Worked out once for the four systems, by the
    -- pre-hook; a full build reads every delivery.
    {{ deliveries_to_read() }}

),

staged as (

    -- Each system's searches of a subject in the deliveries to read, in one shape: a subject
    -- column it lacks is null. (SQLFluff misplaces the templated columns of this loop's
    -- rendered variants since the list comes from a macro: its indentation is checked by eye.)
    -- noqa: disable=LT02
    {%- for audit in audit_systems %}

        select
            {{ audit.audit_ref }} as audit_ref,
            '{{ audit.system }}' as system,
            search_kinds.subject_type,
            audit.searched_at,
            audit.{{ audit.audit_user }} as audit_user,
            left(audit.forename_key, 1) as forename_initial,
            audit.source_file,
            audit.source_line,
            audit.source_sha256,
            audit.built_at as staged_at,
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
        {{- of_deliveries_to_read('audit', staged_row_key(), 'deliveries_to_read', stamp=row_stamps('staged').stamp) }}
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}
    -- noqa: enable=LT02

),

unioned as (

    -- Those not read yet.
    select * from staged
    {{- not_yet_held('staged', staged_row_key(), 'deliveries_to_read') }}

),

directory_searches as (

    -- Only these are mapped, so only these need their local day.
    select
        audit_ref,
        system,
        audit_user,
        {{ local_date_of('searched_at') }} as local_day
    from unioned
    where system in {{ directory_system_list }}

),

searchers as (

    select
        s.audit_ref,
        d.staff_no
    from directory_searches as s
    inner join directory_users as d
        on
            s.system = d.system
            and s.audit_user = d.audit_user
            and {{ staff_row_valid_on('d', 's.local_day') }}
    qualify row_number() over (partition by s.audit_ref order by d.valid_from desc) = 1

),

searcher_versions as (

    select distinct
        system,
        audit_user,
        searcher_rows
    from directory_users

),

mapped as (

    select
        s.audit_ref,
        s.system,
        s.subject_type,
        s.searched_at,
        s.audit_user,
        -- The other systems' audit users (RMS, the C&C) are staff numbers already.
        case
            when s.system in {{ directory_system_list }} then searchers.staff_no
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
        s.phone_e164,
        versions.searcher_rows,
        s.source_file,
        s.source_line,
        s.source_sha256,
        s.staged_at,
        {{ build_stamp() }}
    from unioned as s
    left join searchers on s.audit_ref = searchers.audit_ref
    left join searcher_versions as versions
        on s.system = versions.system and s.audit_user = versions.audit_user

)

select * from mapped
