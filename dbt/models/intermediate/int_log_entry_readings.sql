-- Every C&C log entry (latest version) read once by the claims parser (dacall.claims with
-- config/claims_vocabulary.yml, as the function read_log_entry): one row per claim read from
-- it, one row for an entry that names a system or a check word but claims nothing, with the
-- parser's reason, and one row (reading "none") for an entry with neither, so that every entry
-- read is on record. int_claims and int_unclaimed_check_entries are the two views of it.
--
-- Incremental (dbt/macros/incremental.sql): a night parses only the entries not read before and
-- drops the readings of entries no longer in stg_cc_log (a newer delivery of the incident).
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_gone_from(ref('stg_cc_log'), log_entry_key(), one_row_each=false) }}"
) }}

with

deliveries_to_read as (

    {{ deliveries_to_read() }}

),

log_entries as (

    select * from {{ ref('stg_cc_log') }} as log_entry
    {{- only_rows_not_yet_read('log_entry', log_entry_key(), 'deliveries_to_read') }}

),

entry_texts as (

    -- Each distinct text once: a log repeats its words (a grade, a resource sent), so a
    -- year's 200,000 entries hold about 28,000 texts.
    select distinct entry_text from log_entries

),

text_readings as (

    select
        entry_text,
        unnest(read_log_entry(entry_text)) as entry_reading
    from entry_texts

),

read as (

    select
        log_entries.incident_urn,
        log_entries.log_seq,
        log_entries.operator,
        log_entries.entry_at,
        text_readings.entry_reading,
        log_entries.source_file,
        log_entries.source_sha256
    from log_entries
    inner join text_readings
        on log_entries.entry_text is not distinct from text_readings.entry_text

),

final as (

    select
        read.incident_urn,
        read.log_seq,
        read.operator,
        read.entry_at,
        read.entry_reading.reading,
        read.entry_reading.system,
        read.entry_reading.subject_type,
        read.entry_reading.claimed_result,
        read.entry_reading.claim_evidence,
        read.entry_reading.claim_doubts,
        read.entry_reading.unclaimed_reason,
        read.entry_reading.decided_by,
        read.source_file,
        read.source_sha256,
        {{ build_stamp() }}
    from read

)

select * from final
