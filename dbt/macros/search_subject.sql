{#
  The subject of an audited search, read from its free text the same way for every system: a
  person's surname, first forename, every reading of a name typed in either order
  (SURNAMEKEY:INITIAL) and date of birth, a location's postcode, building number and
  street, or a telephone number in E.164. `kind` is the column saying what was searched for;
  which of the system's kinds is read as a name, an address or a telephone is the seed
  ref_search_kinds (its text_form), the one place a system's search words are listed. A C&C
  UPRN search is an address search whose text is a number: its text_form is uprn, so it is
  not parsed as an address here (stg_audit_cc keeps its digits).

  The normalise_ functions are the SQL macros of dacall/normalise.sql (created by
  dacall.dbt_plugin), which hand Python only the text SQL cannot read exactly as dacall.normalise
  does. A row of another kind passes them NULL, so each reads only the text it is meant for. The
  kinds are read from the seed when the model runs (the staging phase builds the seeds first), so
  a fresh build needs nothing else; a change to the seed changes the models' fingerprint, so the
  incremental staging models are rebuilt whole and every row is read again by the new words.
#}
{#- A search's free text as the columns name_text, address_text and telephone_text, each null
    unless the row's kind reads its text that way. Selected in a step of their own, before
    with_search_subjects reads them: each column is used several times there, and the kind
    lookup is a subquery DuckDB would otherwise repeat at every use. -#}
{% macro search_texts(text, kind, system) -%}
    {{ search_text_read_as('name', text, kind, system) }} as name_text,
        {{ search_text_read_as('address', text, kind, system) }} as address_text,
        {{ search_text_read_as('telephone', text, kind, system) }} as telephone_text
{%- endmacro %}

{#- The body of a CTE: each row of `texts` (a CTE with the columns search_texts selects) with
    its search's subject. Each distinct (name_text, address_text, telephone_text) is read once
    and joined back to its rows: searches repeat an earlier search's text (a person looked up
    again), and a force-year's RMS audit of 1.48 million rows holds 0.73 million distinct texts.
    Two of a row's three texts are null, so they are matched as values (`is not distinct from`),
    not as SQL's unknowns. -#}
{% macro with_search_subjects(texts) -%}
    with search_subjects as (
        select
            name_text,
            address_text,
            telephone_text,
            normalise_surname_key(name_text) as surname_key,
            normalise_first_forename(name_text) as forename_key,
            string_split(normalise_name_readings(name_text), '|') as name_readings,
            try_cast(normalise_dob_in_text(name_text) as date) as dob,
            normalise_postcode(address_text) as postcode,
            normalise_building(address_text) as building_number,
            normalise_street_key(address_text) as street_key,
            normalise_e164(telephone_text) as phone_e164
        from (select distinct name_text, address_text, telephone_text from {{ texts }})
    )

    select
        {{ texts }}.*,
        {{ search_subject_columns('search_subjects') }}
    from {{ texts }}
    left join search_subjects
        on
            {{ texts }}.name_text is not distinct from search_subjects.name_text
            and {{ texts }}.address_text is not distinct from search_subjects.address_text
            and {{ texts }}.telephone_text is not distinct from search_subjects.telephone_text
{%- endmacro %}

{#- The subject columns with_search_subjects adds, in their order; of `relation` when given. -#}
{% macro search_subject_columns(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- for column in ['surname_key', 'forename_key', 'name_readings', 'dob', 'postcode',
                       'building_number', 'street_key', 'phone_e164'] %}
        {{ prefix }}{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- `text` where the row's `kind` is one of `system`'s kinds whose text is of `text_form`
    (ref_search_kinds), else null. -#}
{% macro search_text_read_as(text_form, text, kind, system) -%}
    case when {{ kind }} in (
        select search_kinds.search_kind from {{ ref('ref_search_kinds') }} as search_kinds
        where search_kinds.system = '{{ system }}' and search_kinds.text_form = '{{ text_form }}'
    ) then {{ text }} end
{%- endmacro %}
