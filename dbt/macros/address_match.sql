{#
  claims.md's address rule, written once: two addresses are the same when their UPRNs agree, or,
  when either side has no UPRN, when building number and street agree and the postcodes do not
  disagree. `left` and `right` are the aliases of the two relations, each with uprn,
  building_number, street_key and postcode.

  The rule comes as a list of join conditions, one per way of matching, each led by equalities;
  a model joins once per condition and unions the results. One join on "uprn = uprn or
  (building = building and ...)" would compare every pair of rows: with equalities at the top of
  each condition DuckDB hash-joins on them and checks the rest on the few pairs they find.
#}
{% macro address_match_arms(left, right) -%}
    {{ return([
        left ~ '.uprn = ' ~ right ~ '.uprn',
        left ~ '.building_number = ' ~ right ~ '.building_number'
            ~ ' and ' ~ left ~ '.street_key = ' ~ right ~ '.street_key'
            ~ ' and (' ~ left ~ '.uprn is null or ' ~ right ~ '.uprn is null)'
            ~ ' and (' ~ left ~ '.postcode is null or ' ~ right ~ '.postcode is null or '
            ~ left ~ '.postcode = ' ~ right ~ '.postcode)',
    ]) }}
{%- endmacro %}
