-- Every audit search that could bear on a claim: searches of the claim's subject in its
-- system within 24 hours either side of the window, and the claimant's own searches of that
-- system and subject type inside the window (for WRONG_SUBJECT).

with

claims as (

    select * from {{ ref('int_claim_subjects') }}
    where has_subject and searchable

),

searches as (

    select * from {{ ref('int_searches') }}

),

band as (

    select
        *,
        window_start - interval ({{ var('outside_window_band_hours') }}) hour as band_start,
        window_end + interval ({{ var('outside_window_band_hours') }}) hour as band_end
    from claims

),

name_readings as (

    -- Each way a person search's name can be read (claims.md: name order must not matter).
    select
        audit_ref,
        system,
        searched_at,
        dob,
        unnest(name_readings) as name_reading
    from searches
    where subject_type = 'PERSON'

),

person_matches as (

    select distinct
        band.incident_urn,
        band.log_seq,
        band.system,
        band.subject_type,
        readings.audit_ref
    from band
    inner join name_readings as readings
        on
            band.subject_type = 'PERSON'
            and band.system = readings.system
            and band.surname_key || ':' || band.forename_initial = readings.name_reading
            and readings.searched_at between band.band_start and band.band_end
    where band.dob is null or readings.dob is null or band.dob = readings.dob

),

address_by_uprn as (

    select
        band.incident_urn,
        band.log_seq,
        band.system,
        band.subject_type,
        searches.audit_ref
    from band
    inner join searches
        on
            band.subject_type = 'ADDRESS'
            and searches.subject_type = 'ADDRESS'
            and band.system = searches.system
            and band.uprn = searches.uprn
            and searches.searched_at between band.band_start and band.band_end

),

address_by_street as (

    -- Building and street when either side has no UPRN; postcodes must agree when both have one.
    select
        band.incident_urn,
        band.log_seq,
        band.system,
        band.subject_type,
        searches.audit_ref
    from band
    inner join searches
        on
            band.subject_type = 'ADDRESS'
            and searches.subject_type = 'ADDRESS'
            and band.system = searches.system
            and band.building_number = searches.building_number
            and band.street_key = searches.street_key
            and searches.searched_at between band.band_start and band.band_end
    where
        (band.uprn is null or searches.uprn is null)
        and (band.postcode is null or searches.postcode is null or band.postcode = searches.postcode)

),

telephone_matches as (

    select
        band.incident_urn,
        band.log_seq,
        band.system,
        band.subject_type,
        searches.audit_ref
    from band
    inner join searches
        on
            band.subject_type = 'TELEPHONE'
            and searches.subject_type = 'TELEPHONE'
            and band.system = searches.system
            and band.phone_e164 = searches.phone_e164
            and searches.searched_at between band.band_start and band.band_end

),

subject_matches as (

    select
        *,
        true as matches_subject
    from person_matches
    union
    select
        *,
        true as matches_subject
    from address_by_uprn
    union
    select
        *,
        true as matches_subject
    from address_by_street
    union
    select
        *,
        true as matches_subject
    from telephone_matches

),

own_searches as (

    select
        claims.incident_urn,
        claims.log_seq,
        claims.system,
        claims.subject_type,
        searches.audit_ref,
        false as matches_subject
    from claims
    inner join searches
        on
            claims.system = searches.system
            and claims.subject_type = searches.subject_type
            and claims.claimed_by = searches.staff_no
            and searches.searched_at between claims.window_start and claims.window_end

),

evidence as (

    select * from subject_matches
    union all
    select own.*
    from own_searches as own
    anti join subject_matches as matched
        on
            own.incident_urn = matched.incident_urn
            and own.log_seq = matched.log_seq
            and own.system = matched.system
            and own.subject_type = matched.subject_type
            and own.audit_ref = matched.audit_ref

),

described as (

    select
        evidence.incident_urn,
        evidence.log_seq,
        evidence.system,
        evidence.subject_type,
        evidence.audit_ref,
        evidence.matches_subject,
        searches.searched_at as audit_at,
        searches.staff_no as searched_by,
        searches.searched_at between claims.window_start and claims.window_end as in_window,
        coalesce(searches.staff_no = claims.claimed_by, false) as by_claimant,
        case
            when searches.searched_at < claims.window_start
                then epoch(claims.window_start) - epoch(searches.searched_at)
            when searches.searched_at > claims.window_end
                then epoch(searches.searched_at) - epoch(claims.window_end)
            else 0
        end as seconds_outside_window,
        abs(epoch(searches.searched_at) - epoch(claims.claimed_at)) as seconds_from_claim
    from evidence
    inner join claims
        on
            evidence.incident_urn = claims.incident_urn
            and evidence.log_seq = claims.log_seq
            and evidence.system = claims.system
            and evidence.subject_type = claims.subject_type
    inner join searches on evidence.audit_ref = searches.audit_ref

)

select * from described
