-- Computed whole, written where it changed (dbt/macros/changed_rows.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='changed_rows',
    unique_key=['source', 'source_record_id'],
    on_schema_change='fail'
) }}

with

links as (

    select * from {{ ref('int_person_links') }}

),

final as (

    select
        source,
        source_record_id,
        person_key,
        match_probability
    from links

)

select * from final
