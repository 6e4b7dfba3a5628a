{#
  The four audited systems' searches, as int_searches reads them, and what its incremental
  build needs to know when a search must be read again. Macros, not the model's own variables,
  because the model's pre-hooks are rendered apart from its body and need the same lists.
#}

{#-
  Where each system's audit keeps what a search needs, one system a line, so that every
  system goes through the same steps in int_searches:
  - search_kind: the column the seed ref_search_kinds reads;
  - audit_ref: the entry's own reference, prefixed with the system where the id is only its own;
  - audit_user: who searched, in the system's own user ids;
  - directory_user: the staff directory's column for those ids (none: they are staff numbers);
  - name_box: the one box holding a whole name typed in either order, whose every reading its
    staging model has read (none: a separate surname field marks the surname, so there is one
    reading);
  - subject_columns: which of the subject columns its staging model reads; the others are null.
-#}
{% macro audit_search_systems() -%}
    {%- set person = ['surname_key', 'dob'] -%}
    {%- set location_and_telephone = ['building_number', 'street_key', 'postcode', 'phone_e164'] -%}
    {{ return([
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
    ]) }}
{%- endmacro %}


{% macro staged_row_key() -%}
    {#- A row read from a staging model: the raw row it came from. -#}
    {{ return(['source_file', 'source_line', 'source_sha256']) }}
{%- endmacro %}


{% macro audit_rows_staged() -%}
    {#- The key and stamp (row_stamps('staged')) of every staged audit row int_searches reads (a
        search of a subject, by the seed ref_search_kinds), of the four systems: a list of one
        subquery per system, which deliveries_out_of_step counts apart. -#}
    {%- set parts = [] -%}
    {%- for audit in audit_search_systems() -%}
        {%- set part -%}
        (
            select {% for column in staged_row_key() %}audit.{{ column }}, {% endfor %}audit.{{ row_stamps('staged').stamp }}
            from {{ ref(audit.model) }} as audit
            inner join {{ ref('ref_search_kinds') }} as search_kinds
                on search_kinds.system = '{{ audit.system }}' and audit.{{ audit.search_kind }} = search_kinds.search_kind
        )
        {%- endset -%}
        {%- do parts.append(part) -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}


{% macro searcher_directory_rows() -%}
    {#- Who held each PNC and PND user id, when: the directory in one shape per system, with a
        hash of every row of that user id (searcher_rows), which changes when any of them does. -#}
    with users as (
        {%- for audit in audit_search_systems() if audit.directory_user %}
            select
                '{{ audit.system }}' as system,
                {{ audit.directory_user }} as audit_user,
                staff_no,
                valid_from,
                valid_to
            from {{ ref('stg_staff_directory') }}
            where {{ audit.directory_user }} is not null
            {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    ),
    versions as (
        select
            system,
            audit_user,
            md5(string_agg(
                concat_ws('|', staff_no, valid_from, coalesce(valid_to::varchar, 'open')), ','
                order by staff_no, valid_from, valid_to
            )) as searcher_rows
        from users
        group by system, audit_user
    )
    select users.*, versions.searcher_rows
    from users
    inner join versions using (system, audit_user)
{%- endmacro %}


{% macro searches_remapped_table(qualified=true) -%}
    {#- Where delete_searches_of_changed_searchers keeps the searches it drops (their rowid and
        delivery), for delete_rows_gone_from to read their deliveries again. -#}
    {{ 'temp.main.' if qualified }}"{{ this.identifier }}__searches_remapped"
{%- endmacro %}


{% macro delete_searches_of_changed_searchers() -%}
    {#- int_searches' pre-hook: drop the searches whose user id's directory rows have changed
        (or appeared, or gone) since they were read, so that they are mapped again, and keep
        which they were (searches_remapped_table). -#}
    {%- if is_incremental() -%}
        {#- By rowid from a join to each user id's directory version: a correlated subquery
            here was planned as a dependent join, three times as long at five years. -#}
        create or replace temp table {{ searches_remapped_table(qualified=false) }} as
        select
            kept.rowid as search_rowid,
            kept.source_file,
            kept.source_sha256,
            kept.{{ row_stamps('staged').held_stamp }}
        from {{ this }} as kept
        left join (
            select system, audit_user, any_value(searcher_rows) as searcher_rows
            from ({{ searcher_directory_rows() }}) as directory
            group by system, audit_user
        ) as directory
            on directory.system = kept.system and directory.audit_user = kept.audit_user
        where
            kept.system in (
                {%- for audit in audit_search_systems() if audit.directory_user -%}
                    '{{ audit.system }}'{{ ', ' if not loop.last }}
                {%- endfor -%}
            )
            and kept.searcher_rows is distinct from directory.searcher_rows;
        delete from {{ this }}
        where rowid in (select search_rowid from {{ searches_remapped_table() }})
    {%- endif -%}
{%- endmacro %}
