{#
  A feed that re-delivers a record sends it whole again: the version that counts is the one in
  the latest file, and within a file the later line. `latest_version` selects that version of
  each record of `relation`, the record identified by the column `key`.
#}
{% macro latest_version(relation, key) -%}
    select * from {{ relation }}
    qualify row_number() over (partition by {{ key }} order by _file desc, _line desc) = 1
{%- endmacro %}
