-- Every audit search that could bear on a claim: searches of the claim's subject in its
-- system within 24 hours either side of the window, and the claimant's own searches of that
-- system and subject type inside the window (for WRONG_SUBJECT).
--
-- Incremental by claim (dbt/macros/claims_to_redo.sql): a night redoes the claims whose log
-- entry, incident or searches were written since the last build, and drops the evidence of
-- searches and claims written again or gone.
-- depends_on: {{ ref('int_log_entry_readings') }}
-- depends_on: {{ ref('stg_cc_incidents') }}
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_evidence_to_redo() }}"
) }}

{#
  What makes a search one of the claim's subject, one rule per subject type: the claim (in its
  band) joined to `relation` by each of the rule's arms, join conditions led by equalities so
  each is a hash join. A person's name may be read either way round (claims.md: name order must
  not matter), so persons join to each reading of a searched name, and dates of birth must not
  disagree; addresses follow claims.md's address rule, written once in macros/address_match.sql.
#}
{%- set subject_rules = [
    {
        'subject_type': 'PERSON',
        'relation': 'name_readings',
        'arms': [
            "band.surname_key || ':' || band.forename_initial = searched.name_reading"
            ~ ' and (band.dob is null or searched.dob is null or band.dob = searched.dob)'
        ],
    },
    {
        'subject_type': 'ADDRESS',
        'relation': 'searches_by_day',
        'arms': address_match_arms('band', 'searched'),
    },
    {
        'subject_type': 'TELEPHONE',
        'relation': 'searches_by_day',
        'arms': ['band.phone_e164 = searched.phone_e164'],
    },
] -%}

with

claims as (

    select * from {{ ref('int_claim_subjects') }} as claim
    where
        has_subject
        and searchable
        {%- if is_incremental() %}
            and exists (
                select 1 from ({{ claims_to_redo() }}) as redo
                where {{ same_claim('redo', 'claim') }}
            )
        {%- endif %}

),

-- Not materialized: read where used, each reader takes only its columns and rows (a copy of
-- every search of five years, name readings and all, cost more than all the joins together).
searches as not materialized (

    select * from {{ ref('int_searches') }}
    {%- if is_incremental() %}
        -- Only the days of the claims redone (whose bands the joins below compare anyway).
        where
            searched_at between
            (
                select min({{ band_start('redone.window_start') }})
                from claims as redone
            )
            and (
                select max({{ band_end('redone.window_end') }})
                from claims as redone
            )
    {%- endif %}

),

band as (

    select
        *,
        {{ band_start('window_start') }} as band_start,
        {{ band_end('window_end') }} as band_end
    from claims

),

band_days as (

    -- A claim once for each day its band touches, so that each join below also matches on the
    -- day: a claim meets only the searches of its own few days, and the joins grow with the
    -- days loaded, not with their square (a surname's searches of five years, say).
    select
        *,
        unnest({{ days_touched('band_start', 'band_end') }}) as touched_day
    from band

),

window_days as (

    select
        *,
        unnest({{ days_touched('window_start', 'window_end') }}) as touched_day
    from claims

),

searches_by_day as not materialized (

    select
        *,
        date_trunc('day', searched_at) as searched_day
    from searches

),

name_readings as (

    -- Each way a person search's name can be read.
    select
        audit_ref,
        system,
        subject_type,
        searched_at,
        searched_day,
        dob,
        unnest(name_readings) as name_reading
    from searches_by_day
    where subject_type = 'PERSON'

),

subject_matches as (

    {% for rule in subject_rules %}
        {% for arm in rule.arms %}
            select
                {{ claim_key('band') }},
                searched.audit_ref,
                true as matches_subject
            from band_days as band
            inner join {{ rule.relation }} as searched
                on
                    band.subject_type = '{{ rule.subject_type }}'
                    and searched.subject_type = '{{ rule.subject_type }}'
                    and band.system = searched.system
                    and band.touched_day = searched.searched_day
                    and {{ arm }}
                    and searched.searched_at between band.band_start and band.band_end
            {% if not loop.last %}union{% endif %}
        {% endfor %}
        {% if not loop.last %}union{% endif %}
    {% endfor %}

),

own_searches as (

    select
        {{ claim_key('claims') }},
        searches.audit_ref,
        false as matches_subject
    from window_days as claims
    inner join searches_by_day as searches
        on
            claims.system = searches.system
            and claims.subject_type = searches.subject_type
            and claims.claimed_by = searches.staff_no
            and claims.touched_day = searches.searched_day
            and searches.searched_at between claims.window_start and claims.window_end

),

evidence as (

    select * from subject_matches
    union all
    select own.*
    from own_searches as own
    anti join subject_matches as matched
        on
            {{ same_claim('own', 'matched') }}
            and own.audit_ref = matched.audit_ref

),

described as (

    select
        {{ claim_key('evidence') }},
        evidence.audit_ref,
        evidence.matches_subject,
        searches.searched_at as audit_at,
        searches.audit_user,
        searches.staff_no as searched_by,
        -- What was searched, for the review app's case page (fct_review_evidence): written here,
        -- once per row, where the search is already read, rather than by a join of every night's
        -- evidence to all searches.
        concat_ws(
            ' ',
            searches.surname_key,
            searches.forename_initial,
            strftime(searches.dob, '%d/%m/%Y'),
            case when searches.uprn is not null then 'UPRN ' || searches.uprn end,
            searches.building_number,
            searches.street_key,
            searches.postcode,
            searches.phone_e164
        ) as searched_for,
        searches.searched_at between claims.window_start and claims.window_end as in_window,
        coalesce(searches.staff_no = claims.claimed_by, false) as by_claimant,
        case
            when searches.searched_at < claims.window_start
                then epoch(claims.window_start) - epoch(searches.searched_at)
            when searches.searched_at > claims.window_end
                then epoch(searches.searched_at) - epoch(claims.window_end)
            else 0
        end as seconds_outside_window,
        abs(epoch(searches.searched_at) - epoch(claims.claimed_at)) as seconds_from_claim,
        -- How many searches there were at this build, for the next build to tell whether any is
        -- gone since (dbt/macros/claims_to_redo.sql, searches_gone_since_last_build).
        (select count(*) from {{ ref('int_searches') }}) as searches_held,
        {{ build_stamp() }}
    from evidence
    inner join claims
        on
            {{ same_claim('evidence', 'claims') }}
    inner join searches on evidence.audit_ref = searches.audit_ref

),

final as (

    -- A claim redone whose evidence was kept (the pre-hook saw a later build than this query,
    -- after its deletes) gets the same rows again: an incremental build does not add them twice.
    select described.*
    from
        described
    {%- if is_incremental() %}
        anti join {{ this }} as kept
            on
                {{ same_claim('described', 'kept') }}
                and described.audit_ref = kept.audit_ref
    {%- endif %}

)

select * from final
