{# A day within the months before another day: strictly earlier, and no earlier than the same
   day that many months before (the partner look-backs, in local days). #}
{% macro within_months_before(day, anchor, months) -%}
    {{ day }} < {{ anchor }}
    and {{ day }} >= {{ anchor }} - interval ({{ months }}) month
{%- endmacro %}
