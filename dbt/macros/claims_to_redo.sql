{#
  int_claim_evidence is incremental by claim: a night redoes only the claims whose evidence can
  have changed since the model was last built, and keeps the rest.

  A claim's evidence is made from the claim (its log reading, its incident's subject, its window)
  and the searches of its system and subject type on the days its band touches. So a claim is
  redone when, since the last build,
  - its log entry was read again (int_log_entry_readings writes a reading anew),
  - its incident was written again (a newer version: stg_cc_incidents),
  - a search of its system and subject type was written on a day its band touches (a new day,
    a late day, a day redelivered, a searcher mapped again: int_searches writes it anew).
  Each of those rows carries `built_at`, when the build that wrote it began, and a build of this
  model begins after the builds of those it reads. Besides the claims redone, a build drops the
  evidence of searches written again (a search may have moved to a day the claim's band does
  not touch), of searches gone and of claims gone. Searches gone are looked for only when
  int_searches holds fewer of the searches it held at the last build
  (searches_gone_since_last_build).

  What decides a claim's evidence otherwise (the capabilities seed, the window and band
  variables, the address rule) is code or configuration: a change to it rebuilds everything
  (dacall.model_fingerprint).
#}

{% macro last_built() -%}
    {#- When the latest build of this model (int_claim_evidence, int_check_reconciliation) that
        wrote a row began; with no row, the beginning of time (everything is new). -#}
    (select coalesce(max(built_at), '-infinity'::timestamptz) from {{ this }})
{%- endmacro %}

{% macro claim_row_written_since(claim, since) -%}
    {#- The claim's log entry was read again, or its incident written again, after `since`: its
        row of int_claim_subjects may have changed. One condition, in parentheses, so that a
        caller may combine it with `and` as well as `or`. -#}
    (
        exists (
            select 1 from {{ ref('int_log_entry_readings') }} as reading
            where
                reading.built_at > {{ since }}
                and reading.incident_urn = {{ claim }}.incident_urn
                and reading.log_seq = {{ claim }}.log_seq
        )
        or exists (
            select 1 from {{ ref('stg_cc_incidents') }} as incident
            where incident.built_at > {{ since }} and incident.incident_urn = {{ claim }}.incident_urn
        )
    )
{%- endmacro %}

{% macro claims_to_redo() -%}
    {#- The claims (their keys) whose evidence may have changed since the latest build, as a
        subquery. -#}
    {%- set since = last_built() -%}
    select {{ claim_key('claim') }}
    from {{ ref('int_claim_subjects') }} as claim
    where
        {{ claim_row_written_since('claim', since) }}
        or exists (
            select 1
            from (
                select distinct
                    system,
                    subject_type,
                    date_trunc('day', searched_at) as searched_day
                from {{ ref('int_searches') }}
                where built_at > {{ since }}
            ) as written
            where
                written.system = claim.system
                and written.subject_type = claim.subject_type
                and written.searched_day between
                    date_trunc('day', {{ band_start('claim.window_start') }})
                    and {{ band_end('claim.window_end') }}
        )
{%- endmacro %}

{% macro searches_gone_since_last_build() -%}
    {#- Whether a search int_searches held at this model's latest build may be gone: fewer
        searches are stamped no later than that build than it counted (`searches_held`).
        Searches are only added, with a later stamp, or deleted (one read again is deleted and
        written anew), so equal counts mean every search held then is held still, and the
        evidence need not be looked up among all searches (at five years, a scan of 10.9
        million search keys each night). Asked when the pre-hook runs; true with no evidence
        held. -#}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set counted -%}
        select coalesce(
            (select arg_max(searches_held, built_at) from {{ this }}) <> (
                select count(*) from {{ ref('int_searches') }}
                where built_at <= {{ last_built() }}
            ),
            true
        )
    {%- endset -%}
    {{ return(run_query(counted).columns[0].values()[0]) }}
{%- endmacro %}

{% macro delete_evidence_to_redo() -%}
    {#- The pre-hook of int_claim_evidence: drops the evidence of the claims to redo, of searches
        written again or gone, and of claims gone. -#}
    {%- if is_incremental() -%}
        delete from {{ this }} as kept
        where
            exists (
                select 1 from ({{ claims_to_redo() }}) as redo
                where {{ same_claim('redo', 'kept') }}
            )
            or kept.audit_ref in (
                select audit_ref from {{ ref('int_searches') }}
                where built_at > {{ last_built() }}
            )
            {%- if searches_gone_since_last_build() %}
            or kept.audit_ref in (
                -- The searches gone: found by looking up the few searches kept here among all
                -- searches, not all searches among these (a table of every search's key).
                select evidence.audit_ref from {{ this }} as evidence
                except
                select search.audit_ref from {{ ref('int_searches') }} as search
                where search.audit_ref in (select audit_ref from {{ this }})
            )
            {%- endif %}
            or not exists (
                select 1 from {{ ref('int_claim_subjects') }} as claim
                where {{ same_claim('claim', 'kept') }} and claim.has_subject and claim.searchable
            )
    {%- endif -%}
{%- endmacro %}

{#
  int_check_reconciliation is incremental by claim too: a claim's status is made from its row of
  int_claim_subjects and its evidence alone. Its pre-hook drops the status of each claim
  - gone from int_claim_subjects;
  - whose log entry was read again or whose incident was written again since the model's latest
    build (its row of int_claim_subjects may have changed);
  - whose evidence is not the evidence it was decided on. Each status keeps how many evidence
    rows it was decided on and the latest `built_at` among them: evidence is only deleted or
    written anew with a later stamp, so any change to a claim's evidence changes one of the two.
  The build then decides the claims that have no status, and only those.
#}

{% macro delete_reconciliations_to_redo() -%}
    {%- if is_incremental() -%}
        {%- set since = last_built() -%}
        delete from {{ this }} as kept
        where not exists (
            select 1 from {{ ref('int_claim_subjects') }} as claim
            where {{ same_claim('claim', 'kept') }}
        )
        or {{ claim_row_written_since('kept', since) }}
        or exists (
            select 1
            from {{ this }} as decided
            left join (
                select
                    {{ claim_key() }},
                    count(*) as evidence_rows,
                    max(built_at) as evidence_built_at
                from {{ ref('int_claim_evidence') }}
                group by all
            ) as evidence
                on {{ same_claim('evidence', 'decided') }}
            where
                {{ same_claim('decided', 'kept') }}
                and (
                    decided.evidence_rows <> coalesce(evidence.evidence_rows, 0)
                    or decided.evidence_built_at is distinct from evidence.evidence_built_at
                )
        )
    {%- endif -%}
{%- endmacro %}
