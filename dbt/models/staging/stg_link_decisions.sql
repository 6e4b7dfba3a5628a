with

source as (

    select * from {{ source('audit', 'link_decisions') }}

),

renamed as (

    -- Record ids as the linkage writes them (source|id), the lesser first.
    select
        least(source_l || '|' || record_l, source_r || '|' || record_r) as unique_id_l,
        greatest(source_l || '|' || record_l, source_r || '|' || record_r) as unique_id_r,
        decision,
        decided_by,
        decided_at
    from source

)

select * from renamed
