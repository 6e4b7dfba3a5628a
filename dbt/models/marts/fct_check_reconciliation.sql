-- The claims' reconciliation as int_check_reconciliation decides and explains it; the contract
-- in _marts.yml fixes the columns users query.
--
-- Incremental (dbt/macros/copied_rows.sql): int_check_reconciliation writes a claim's row again
-- only when it decides the claim again, so a build copies the claims decided since the last one
-- (`decided_at` is the stamp of the build that decided each) and keeps the rest.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_restamped(ref('int_check_reconciliation'), claim_key_columns(), 'decided_at') }}"
) }}

with

reconciliation as (

    select * from {{ ref('int_check_reconciliation') }} as decided
    {{- rows_not_held('decided', claim_key_columns()) }}

),

final as (

    -- Without the columns that keep int_check_reconciliation incremental.
    select
        * exclude (evidence_rows, evidence_built_at, built_at),
        built_at as decided_at
    from reconciliation

)

select * from final
