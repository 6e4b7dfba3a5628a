-- Incremental by incident: a night normalises only the incidents whose latest version (the raw
-- row it is read from, and how many versions there are) is not the one kept, and drops the
-- incidents no longer in raw. The latest version is picked among the raw rows of the incidents
-- that can have a new one (ranking every version of all history took most of a five-year
-- night's build of this model); the normalisation of names, numbers and addresses is done once
-- per version that becomes the latest. Each row is stamped with the build that wrote
-- it (built_at): int_claim_evidence redoes the claims of the incidents written since it last ran.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='incident_urn',
    on_schema_change='fail',
    pre_hook="{{ delete_records_gone_from(source('raw', 'cc_incidents'), 'urn', 'incident_urn') }}"
) }}

{%- set read_until = raw_read_until(source('raw', 'cc_incidents')) %}

with

source as (

    {%- if is_incremental() %}
        -- Only the versions of the incidents that can have a new latest version: those with a
        -- raw row that is not the row kept, or whose kept row counts other versions than raw
        -- holds (a version erased). Every other incident's one raw row is its kept row. Where
        -- no raw row read by the last build is gone (read_until), those with a row loaded since.
        {%- set incidents_to_rank %}
            {{ records_not_kept(source('raw', 'cc_incidents'), 'urn', 'incident_urn', read_until) }}
            {%- if not read_until %}
            union
            select counted.urn
            from (
                select urn, count(*) as versions
                from {{ source('raw', 'cc_incidents') }}
                group by urn
            ) as counted
            inner join {{ this }} as kept on counted.urn = kept.incident_urn
            where counted.versions <> kept.version_count
            {%- endif %}
        {%- endset %}
        select * from {{ rows_of_records(source('raw', 'cc_incidents'), 'urn', incidents_to_rank) }}
    {%- else %}
        select * from {{ source('raw', 'cc_incidents') }}
    {%- endif %}

),

versions as (

    select
        *,
        row_number() over (
            partition by urn
            order by try_strptime(last_updated, '%d/%m/%Y %H:%M:%S') desc, _file desc, _line desc
        ) as version_rank,
        count(*) over (partition by urn) as version_count
    from source

),

latest as (

    select * from versions
    where version_rank = 1

),

not_kept as (

    select latest.*
    from
        latest
    {%- if is_incremental() %}
        anti join {{ this }} as kept
            on
                latest.urn = kept.incident_urn
                and latest._file = kept.source_file
                and latest._line = kept.source_line
                and latest._sha256 = kept.source_sha256
                and latest.version_count = kept.version_count
    {%- endif %}

),

renamed as (

    select
        urn as incident_urn,
        {{ local_to_utc('created') }} as created_at,
        channel,
        {{ local_to_utc('answered') }} as answered_at,
        {{ local_to_utc('call_end') }} as call_ended_at,
        abandoned = 'Y' as is_abandoned,
        silent = 'Y' as is_silent,
        {{ local_to_utc('callback_at') }} as callback_at,
        nullif(callback_by, '') as callback_by,
        nullif(trim(caller_name), '') as caller_name,
        {{ parse_dmy_date('caller_dob') }} as caller_dob,
        nullif(caller_tel, '') as caller_tel,
        normalise_e164(caller_tel) as caller_tel_e164,
        nullif(location, '') as location,
        normalise_postcode(postcode) as postcode,
        nullif(uprn, '') as uprn,
        nullif(open_code, '') as open_code,
        nullif(close_code, '') as close_code,
        coalesce(nullif(qualifiers, ''), '') as qualifiers,
        try_cast(init_grade as integer) as init_grade,
        try_cast(final_grade as integer) as final_grade,
        deployed = 'Y' as is_deployed,
        {{ local_to_utc('first_dispatch') }} as first_dispatch_at,
        {{ local_to_utc('first_arrival') }} as first_arrival_at,
        nullif(risk_level, '') as risk_level,
        nullif(handler, '') as handler,
        nullif(supervisor, '') as supervisor,
        {{ local_to_utc('closed') }} as closed_at,
        {{ local_to_utc('last_updated') }} as last_updated_at,
        normalise_surname_key(caller_name) as caller_surname_key,
        normalise_first_forename(caller_name) as caller_forename_key,
        normalise_forename_initial(caller_name) as caller_forename_initial,
        normalise_building(location) as building_number,
        normalise_street_key(location) as street_key,
        version_count,
        _file as source_file,
        _line as source_line,
        _sha256 as source_sha256,
        {{ raw_marks(source('raw', 'cc_incidents')) }},
        {{ build_stamp() }}
    from not_kept

)

select * from renamed
