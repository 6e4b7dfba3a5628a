{#
  claims.md's address rule, written once: two addresses are the same when their UPRNs agree, or,
  when either side has no UPRN, when building number and street agree and the postcodes do not
  disagree. `left` and `right` are the aliases of the two relations, each with uprn,
  building_number, street_key and postcode.

  The rule comes as a list of arms, one per way of matching, each an equality join (`on`) with
  an optional filter (`where`); a model joins once per arm and unions the arms. One join on
  "uprn = uprn or (building = building and ...)" would be a nested-loop join: equality keys let
  DuckDB hash-join each arm.
#}
{% macro address_match_arms(left, right) -%}
    {{ return([
        {
            'name': 'address_by_uprn',
            'on': left ~ '.uprn = ' ~ right ~ '.uprn',
            'where': none,
        },
        {
            'name': 'address_by_street',
            'on': left ~ '.building_number = ' ~ right ~ '.building_number and '
                ~ left ~ '.street_key = ' ~ right ~ '.street_key',
            'where': '(' ~ left ~ '.uprn is null or ' ~ right ~ '.uprn is null) and ('
                ~ left ~ '.postcode is null or ' ~ right ~ '.postcode is null or '
                ~ left ~ '.postcode = ' ~ right ~ '.postcode)',
        },
    ]) }}
{%- endmacro %}
