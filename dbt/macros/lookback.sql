{# A day within the months before another day: strictly earlier, and no earlier than the same
   day that many months before (the partner look-backs, in local days). #}
{% macro within_months_before(day, anchor, months) -%}
    {{ day }} < {{ anchor }}
    and {{ day }} >= {{ anchor }} - interval ({{ months }}) month
{%- endmacro %}

{# Whether a partner referral is part of the history an incident is shown with: referred on an
   earlier (local) day than the incident was created, and a MARAC referral only within the
   look-back (var marac_lookback_months). #}
{% macro referral_in_history(source, referred_on, created_at) -%}
    (
        {{ referred_on }} < {{ local_date_of(created_at) }}
        and (
            {{ source }} != 'partner_marac'
            or {{ within_months_before(referred_on, local_date_of(created_at), var('marac_lookback_months')) }}
        )
    )
{%- endmacro %}
