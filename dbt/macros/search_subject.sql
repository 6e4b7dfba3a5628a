{#
  The subject of an audited search, read from its free text the same way for every system: a
  person's surname, first forename and date of birth, a location's postcode, building number and
  street, or a telephone number in E.164. `kind` is the column saying what was searched for and
  the three values are that system's words for a person, a location and a telephone.
#}
{% macro search_subject_columns(text, kind, person, location, telephone) -%}
    case when {{ kind }} = '{{ person }}' then dacall_surname_key({{ text }}) end as surname_key,
        case when {{ kind }} = '{{ person }}' then dacall_first_forename({{ text }}) end as forename_key,
        case when {{ kind }} = '{{ person }}' then cast(dacall_dob_in_text({{ text }}) as date) end as dob,
        case when {{ kind }} = '{{ location }}' then dacall_postcode({{ text }}) end as postcode,
        case when {{ kind }} = '{{ location }}' then dacall_building({{ text }}) end as building_number,
        case when {{ kind }} = '{{ location }}' then dacall_street_key({{ text }}) end as street_key,
        case when {{ kind }} = '{{ telephone }}' then dacall_e164({{ text }}) end as phone_e164
{%- endmacro %}
