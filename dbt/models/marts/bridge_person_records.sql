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
