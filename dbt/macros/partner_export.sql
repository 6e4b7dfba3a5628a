{#
  A partner's dataset (models/exports/, config/sharing/): each referral of `partner_source`
  with the linked person's domestic incidents that `condition` keeps, filed under the month of
  `filed_by`. The partner's own reference for the referral is named `record_id`; `columns` are
  the incident's fields the dataset offers; the last three columns are the lineage that
  dacall.extracts writes in the disclosure log and never discloses.
#}
{% macro partner_export(partner_source, record_id, filed_by, columns, condition) -%}
with

referral_incidents as (

    select * from {{ ref('int_referral_incidents') }}
    where source = '{{ partner_source }}'

),

final as (

    select
        strftime({{ filed_by }}, '%Y-%m') as month,
        source_record_id as {{ record_id }},
        person_key,
        strftime(created_month, '%Y-%m') as incident_month,
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        '{{ partner_source }}|' || source_record_id as _partner_record,
        'cc_incidents|' || incident_urn as _incident_record,
        created_at as _incident_created_at
    from referral_incidents
    where {{ condition }}

)

select * from final
{%- endmacro %}
