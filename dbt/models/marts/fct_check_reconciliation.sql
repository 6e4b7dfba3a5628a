-- The claims' reconciliation as int_check_reconciliation decides and explains it; the contract
-- in _marts.yml fixes the columns users query.

with

reconciliation as (

    select * from {{ ref('int_check_reconciliation') }}

),

final as (

    -- Without the columns that keep int_check_reconciliation incremental.
    select * exclude (evidence_rows, evidence_built_at, built_at) from reconciliation

)

select * from final
