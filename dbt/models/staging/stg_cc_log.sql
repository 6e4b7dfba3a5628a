with

source as (

    select * from {{ source('raw', 'cc_log') }}

),

versions as (

    -- An entry is redelivered with every delivery of its incident: the latest file wins.
    select
        *,
        row_number() over (partition by urn, seq order by _file desc, _line desc) as version_rank
    from source

),

renamed as (

    select
        urn as incident_urn,
        cast(seq as integer) as log_seq,
        {{ local_to_utc('entry_time') }} as entry_at,
        nullif(operator, '') as operator,
        entry_type,
        text as entry_text,
        _file as source_file,
        _sha256 as source_sha256
    from versions
    where version_rank = 1

)

select * from renamed
