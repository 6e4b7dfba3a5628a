{#
  The subject of an audited search, read from its free text the same way for every system: a
  person's surname, first forename, every reading of a name typed in either order
  (SURNAMEKEY:INITIAL) and date of birth, a location's postcode, building number and
  street, or a telephone number in E.164. `kind` is the column saying what was searched for and
  the three values are that system's words for a person, a location and a telephone.

  The dacall_ functions (dacall.dbt_plugin) are called row by row: batching them over Arrow was
  measured slower, as almost every search text is distinct (docs/benchmarks.md). A row of another
  kind passes them NULL, so each reads only the text it is meant for. The three words repeat the
  seed ref_search_kinds, which int_searches reads: the seed also lists the C&C's UPRN searches as
  address searches, whose text is a number, not an address, so it cannot drive this macro as it
  stands (issue 17, left).
#}
{% macro search_subject_columns(text, kind, person, location, telephone) -%}
    dacall_surname_key(case when {{ kind }} = '{{ person }}' then {{ text }} end) as surname_key,
        dacall_first_forename(case when {{ kind }} = '{{ person }}' then {{ text }} end) as forename_key,
        string_split(dacall_name_readings(case when {{ kind }} = '{{ person }}' then {{ text }} end), '|') as name_readings,
        cast(dacall_dob_in_text(case when {{ kind }} = '{{ person }}' then {{ text }} end) as date) as dob,
        dacall_postcode(case when {{ kind }} = '{{ location }}' then {{ text }} end) as postcode,
        dacall_building(case when {{ kind }} = '{{ location }}' then {{ text }} end) as building_number,
        dacall_street_key(case when {{ kind }} = '{{ location }}' then {{ text }} end) as street_key,
        dacall_e164(case when {{ kind }} = '{{ telephone }}' then {{ text }} end) as phone_e164
{%- endmacro %}
