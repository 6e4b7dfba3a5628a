{# A day within the months before another day: strictly earlier, and no earlier than the same
   day that many months before (the partner look-backs, in local days). #}
{% macro within_months_before(day, anchor, months) -%}
    {{ day }} < {{ anchor }}
    and {{ day }} >= {{ anchor }} - interval ({{ months }}) month
{%- endmacro %}

{# Whether a partner referral is part of the history an incident is shown with: referred on an
   earlier (local) day than the incident was created, and a MARAC referral only within the
   look-back (var marac_lookback_months). `created_on` is the incident's local day (macro
   local_date_of), worked out once per incident by the caller rather than once per referral
   compared with it. #}
{% macro referral_in_history(source, referred_on, created_on) -%}
    (
        {{ referred_on }} < {{ created_on }}
        and (
            {{ source }} != 'partner_marac'
            or {{ within_months_before(referred_on, created_on, var('marac_lookback_months')) }}
        )
    )
{%- endmacro %}
