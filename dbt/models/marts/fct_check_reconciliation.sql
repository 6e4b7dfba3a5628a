-- The claims' reconciliation as int_check_reconciliation decides and explains it; the contract
-- in _marts.yml fixes the columns users query.
-- Computed whole, written where it changed (dbt/macros/changed_rows.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='changed_rows',
    unique_key=['incident_urn', 'log_seq', 'system', 'subject_type'],
    on_schema_change='fail'
) }}

with

reconciliation as (

    select * from {{ ref('int_check_reconciliation') }}

),

final as (

    -- Without the columns that keep int_check_reconciliation incremental.
    select * exclude (evidence_rows, evidence_built_at, built_at) from reconciliation

)

select * from final
