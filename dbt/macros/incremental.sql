{#
  Incremental models kept row for row in step with the rows they are read from.

  Each row of such a model carries the key of the row it was read from (for staging: the raw
  row's file, line and the file's sha256). A build then
  - deletes the rows whose source row is gone (a day redelivered or withdrawn, an erasure, the
    retention sweep): `delete_rows_gone_from`, run as the model's pre-hook;
  - reads only the source rows it has not read yet: `only_rows_not_yet_read`.
  Whatever changed upstream, the model ends equal to a full build of the same input, while its
  costly per-row work (normalising search texts, parsing log entries) is done once per row
  delivered.

  Both look row by row only inside the deliveries (a file's name and sha256) whose rows here
  and upstream differ in number: `deliveries_out_of_step`. A night's new files are out of step
  (nothing here yet), and so is a file an erasure or a newer version took rows from; a file whose
  counts agree holds the same rows on both sides, since rows never join a delivery already
  read (a file changed is a new sha256, a new delivery). Counting rows per delivery is one
  scan; matching every row against all history, as these macros did before, grew with it.
#}

{% macro raw_row_key() -%}
    {#- A staging row's columns naming the raw row it was read from, and the raw columns. -#}
    {{ return({'source_file': '_file', 'source_line': '_line', 'source_sha256': '_sha256'}) }}
{%- endmacro %}

{% macro row_stamps(rows) -%}
    {#- The stamp an incremental model reads its upstream rows by (`stamp`, see
        deliveries_out_of_step) and the column where it keeps each row's stamp (`held_stamp`):
        `raw`, a raw row's `_loaded_at` (when its file was loaded), kept by staging as
        `loaded_at`; `staged`, a staged audit row's `built_at`, kept by int_searches as
        `staged_at`. Named here once, for a model's pre-hook and body to read the same. -#}
    {%- set stamps = {
        'raw': {'stamp': '_loaded_at', 'held_stamp': 'loaded_at'},
        'staged': {'stamp': 'built_at', 'held_stamp': 'staged_at'},
    } -%}
    {{ return(stamps[rows]) }}
{%- endmacro %}

{% macro log_entry_key() -%}
    {#- A log entry as stg_cc_log keeps it: its incident, number and the delivery it came from. -#}
    {{ return(['incident_urn', 'log_seq', 'source_file', 'source_sha256']) }}
{%- endmacro %}

{#- In these macros `key` is this model's columns and the upstream ones they match, as a mapping,
    or a list of columns named the same on both sides; it holds source_file and source_sha256,
    the delivery. `one_row_each`: false when a model keeps several rows for one upstream row
    (its rows are then counted by distinct key). -#}
{% macro as_mapping(key) -%}
    {%- if key is mapping -%}{{ return(key) }}{%- endif -%}
    {{ return(dict(zip(key, key))) }}
{%- endmacro %}

{% macro upstream_parts(upstream) -%}
    {#- `upstream` as a list of relations: a relation or subquery alone, or the list given. -#}
    {%- if upstream is string or upstream is mapping -%}{{ return([upstream]) }}{%- endif -%}
    {{ return(upstream) }}
{%- endmacro %}

{% macro union_of(upstream) -%}
    {#- `upstream` (a relation, subquery or list of them) as one relation. -#}
    {%- set parts = upstream_parts(upstream) -%}
    {%- if parts | length == 1 -%}{{ parts[0] }}{%- else -%}
    ({% for part in parts %}select * from {{ part }} as part{{ ' union all ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{% macro deliveries_out_of_step(upstream, key, one_row_each=true, stamp=none, held_stamp=none, read_again=none, stamps=none) -%}
    {#- The deliveries (source_file, source_sha256) whose rows here and upstream differ in number,
        or listed in `read_again`, as a subquery. Each says whether it has rows to read
        (`to_read`): rows only ever leave a delivery once read, so a delivery holds rows not
        read only when upstream holds more of its rows than here, or when this model dropped
        some of its rows to read them again (`read_again`, a table of deliveries; there the
        counts may agree, another row having gone upstream). And the earliest `stamp` of its
        upstream rows (`first_stamp`), when the upstream rows carry one: every row to read is
        stamped no earlier than the least of them, a bound DuckDB skips stored rows by.

        With `held_stamp`, the column of this model holding each row's upstream stamp, and
        `stamps`, a table of the stamps whose counts differ (stamps_out_of_step, counted first by
        delete_rows_gone_from), rows are counted by delivery only under those stamps.
        Upstream rows written together share a stamp and are only deleted after, and this
        model's rows of a stamp are those rows, read together, less those deleted since
        (`read_again`'s stamps aside, counted as out of step): so under a stamp in step, no
        delivery is out of step. Counting by a stamp, one number, costs a fraction of counting
        by file name and sha256.

        `upstream` may be a list of relations, whose rows together are the model's upstream:
        each is counted apart and the counts added, where counting their union twice (by stamp,
        then by delivery) would have DuckDB hold the whole union to read it again. -#}
    {%- set key = as_mapping(key) -%}
    {%- set parts = upstream_parts(upstream) -%}
    {%- set file, sha = key['source_file'], key['source_sha256'] -%}
    {%- set rest = key.keys() | reject('in', ['source_file', 'source_sha256']) | list -%}
    {%- set by_stamp = stamp and held_stamp and stamps -%}
    (with
    upstream_rows as (
        {{ counted_across(
            parts,
            {'source_file': file, 'source_sha256': sha},
            where=stamp ~ ' in (select stamp from ' ~ stamps ~ ')' if by_stamp else none,
            least=stamp
        ) }}
    ),
    model_rows as (
        select
            source_file,
            source_sha256,
            {{ 'count(*)' if one_row_each else 'count(distinct (' ~ rest | join(', ') ~ '))' }} as n
        from {{ this }}
        {%- if by_stamp %}
        where {{ held_stamp }} in (select stamp from {{ stamps }})
        {%- endif %}
        group by all
    )
    select
        coalesce(upstream_rows.source_file, model_rows.source_file) as source_file,
        coalesce(upstream_rows.source_sha256, model_rows.source_sha256) as source_sha256,
        coalesce(upstream_rows.n, 0) > coalesce(model_rows.n, 0)
        {%- if read_again %} or again.source_file is not null{% endif %} as to_read,
        upstream_rows.first_stamp
    from upstream_rows
    full outer join model_rows
        on upstream_rows.source_file = model_rows.source_file
            and upstream_rows.source_sha256 = model_rows.source_sha256
    {%- if read_again %}
    left join (select distinct source_file, source_sha256 from {{ read_again }}) as again
        on again.source_file = coalesce(upstream_rows.source_file, model_rows.source_file)
            and again.source_sha256 = coalesce(upstream_rows.source_sha256, model_rows.source_sha256)
    {%- endif %}
    where upstream_rows.n is distinct from model_rows.n
    {%- if read_again %} or again.source_file is not null{% endif %})
{%- endmacro %}

{% macro stamps_out_of_step(parts, stamp, held_stamp, read_again=none) -%}
    {#- The stamps whose rows here and upstream (the relations `parts`) differ in number, with
        `read_again`'s stamps, as a query with one column, `stamp` (deliveries_out_of_step). -#}
    with
    upstream_stamps as (
        {{ counted_across(parts, {'stamp': stamp}) }}
    ),
    held_stamps as (
        select {{ held_stamp }} as stamp, count(*) as n from {{ this }} group by {{ held_stamp }}
    )
    select coalesce(upstream_stamps.stamp, held_stamps.stamp) as stamp
    from upstream_stamps
    full outer join held_stamps on upstream_stamps.stamp = held_stamps.stamp
    where upstream_stamps.n is distinct from held_stamps.n
    {%- if read_again %}
    union
    select {{ held_stamp }} from {{ read_again }}
    {%- endif %}
{%- endmacro %}

{% macro counted_across(parts, columns, where=none, least=none) -%}
    {#- The rows of the relations `parts` counted by `columns` (a mapping: each output column to
        its expression), each relation counted apart and the counts added (`n`). With `least`, a
        column of the rows, their least value too (`first_stamp`, else null). Rows counted where
        `where` holds, when given. -#}
    select {{ columns.keys() | join(', ') }}, sum(n) as n, min(first_stamp) as first_stamp
    from (
        {%- for part in parts %}
        select
            {%- for name, expression in columns.items() %}
            {{ expression }} as {{ name }},
            {%- endfor %}
            count(*) as n,
            {{ 'min(' ~ least ~ ')' if least else 'null::timestamp' }} as first_stamp
        from {{ part }} as part
        {%- if where %}
        where {{ where }}
        {%- endif %}
        group by {{ columns.values() | join(', ') }}
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) as counted
    group by {{ columns.keys() | join(', ') }}
{%- endmacro %}

{% macro deliveries_out_of_step_table(qualified=true) -%}
    {#- Where delete_rows_gone_from keeps the deliveries out of step it found, for the model's
        body to read (a temporary table: the pre-hook and the body share the model's connection).
        Named after the model, as models build side by side. `qualified`: with its catalog, for
        reading (a temporary table is created by its name alone). -#}
    {{ 'temp.main.' if qualified }}"{{ this.identifier }}__deliveries_out_of_step"
{%- endmacro %}

{% macro stamps_out_of_step_table(qualified=true) -%}
    {#- Where delete_rows_gone_from keeps the stamps out of step it found (as
        deliveries_out_of_step_table). -#}
    {{ 'temp.main.' if qualified }}"{{ this.identifier }}__stamps_out_of_step"
{%- endmacro %}

{% macro deliveries_to_read() -%}
    {#- The body of a CTE naming the deliveries with rows to read, and the earliest stamp of
        each one's upstream rows, for a model whose pre-hook is delete_rows_gone_from: it reads
        what the pre-hook found rather than counting every delivery's rows again. The pre-hook
        counted before it deleted rows, and a deletion only takes rows that are gone upstream,
        so the deliveries with rows to read are the same after it. A pre-hook that drops rows
        for them to be read again (int_searches' searches of a changed user id) runs before
        delete_rows_gone_from and names their deliveries to it (`read_again`). On a full build,
        no delivery (every row is read). -#}
    {%- if is_incremental() -%}
        select source_file, source_sha256, first_stamp
        from {{ deliveries_out_of_step_table() }}
        where to_read
    {%- else -%}
        select
            null::varchar as source_file,
            null::varchar as source_sha256,
            null::timestamp as first_stamp
        where false
    {%- endif -%}
{%- endmacro %}

{% macro in_deliveries(alias, out_of_step, file='source_file', sha='source_sha256') -%}
    exists (
        select 1 from {{ out_of_step }} as out_of_step
        where out_of_step.source_file = {{ alias }}.{{ file }}
            and out_of_step.source_sha256 = {{ alias }}.{{ sha }}
    )
{%- endmacro %}

{% macro delete_rows_gone_from(source_relation, key, one_row_each=true, stamp=none, held_stamp=none, read_again=none) -%}
    {#- The model's pre-hook: finds the deliveries out of step (kept for the model's body,
        deliveries_to_read) and deletes the rows of theirs whose upstream row is gone. With
        stamps, only the rows under a stamp out of step are looked at, here and upstream: a row
        here keeps its upstream row's stamp, and under a stamp in step every row here still has
        its upstream row (deliveries_out_of_step). A night's stamps out of step are mostly its
        own new ones, which hold no rows here yet. -#}
    {%- set key = as_mapping(key) -%}
    {%- if is_incremental() -%}
        {%- set out_of_step = deliveries_out_of_step_table() -%}
        {%- set by_stamp = stamp and held_stamp -%}
        {%- if by_stamp %}
        create or replace temp table {{ stamps_out_of_step_table(qualified=false) }} as
        {{ stamps_out_of_step(upstream_parts(source_relation), stamp, held_stamp, read_again) }};
        {%- endif %}
        create or replace temp table {{ deliveries_out_of_step_table(qualified=false) }} as
        select * from {{ deliveries_out_of_step(
            source_relation, key, one_row_each, stamp, held_stamp, read_again,
            stamps=stamps_out_of_step_table() if by_stamp else none
        ) }} as out_of_step;
        delete from {{ this }} as kept
        where {{ in_deliveries('kept', out_of_step) }}
            {%- if by_stamp %}
            and kept.{{ held_stamp }} in (select stamp from {{ stamps_out_of_step_table() }})
            {%- endif %}
            and not exists (
                select 1 from {{ union_of(source_relation) }} as upstream
                where {{ in_deliveries('upstream', out_of_step, key['source_file'], key['source_sha256']) }}
                {%- if by_stamp %}
                    and upstream.{{ stamp }} in (select stamp from {{ stamps_out_of_step_table() }})
                {%- endif %}
                {%- for mine, theirs in key.items() %}
                    and upstream.{{ theirs }} = kept.{{ mine }}
                {%- endfor %}
            )
    {%- endif -%}
{%- endmacro %}

{% macro of_deliveries_to_read(alias, key, out_of_step, stamp=none) -%}
    {#- An incremental model's filter: the upstream rows of the deliveries with rows to read
        (`out_of_step`: deliveries_to_read() of the relation `alias` reads, as this model reads
        it, or the name of a CTE holding it). With `stamp`, the upstream rows' stamp column,
        rows stamped before every such delivery's first are not looked at; a delivery found by
        a pre-hook given no stamp has no first, and then every stamp is looked at (slower, not
        wrong). Nothing on a full build. -#}
    {%- set key = as_mapping(key) -%}
    {%- if is_incremental() %}
        where
            {%- if stamp %}
            {{ alias }}.{{ stamp }} >= (
                select min(coalesce(first_stamp, '-infinity'::timestamp)) from {{ out_of_step }}
            ) and
            {%- endif %}
            {{ in_deliveries(alias, out_of_step, key['source_file'], key['source_sha256']) }}
    {%- endif %}
{%- endmacro %}

{% macro not_yet_held(alias, key, out_of_step) -%}
    {#- An incremental model's filter: the rows of `alias` (read by of_deliveries_to_read) whose
        key this model does not hold yet, looked for only in the deliveries `out_of_step`.
        Kept apart from of_deliveries_to_read for a model that reads several relations: put
        after their union, DuckDB still skips the rows their stamps rule out, which it does
        not when each carries this subquery. Nothing on a full build. -#}
    {%- if is_incremental() %}
        where {{ not_held(alias, key, out_of_step) }}
    {%- endif %}
{%- endmacro %}

{% macro not_held(alias, key, out_of_step) -%}
    {%- set key = as_mapping(key) -%}
    not exists (
            select 1 from {{ this }} as kept
            where {{ in_deliveries('kept', out_of_step) }}
            {%- for mine, theirs in key.items() %}
                and kept.{{ mine }} = {{ alias }}.{{ theirs }}
            {%- endfor %}
        )
{%- endmacro %}

{% macro only_rows_not_yet_read(alias, key, out_of_step, stamp=none) -%}
    {#- Both filters above, for a model that reads one relation. -#}
    {{- of_deliveries_to_read(alias, key, out_of_step, stamp) }}
    {%- if is_incremental() %}
            and {{ not_held(alias, key, out_of_step) }}
    {%- endif %}
{%- endmacro %}

{% macro raw_rows_not_yet_staged(feed) -%}
    {#- A staging model of `feed` made incremental: sets its config (with the pre-hook that drops
        rows whose raw row is gone) and selects the raw rows it has not read yet, by their stamp
        (row_stamps('raw')). -#}
    {{ config(
        materialized='incremental',
        on_schema_change='fail',
        pre_hook="{{ delete_rows_gone_from(source('raw', '" ~ feed ~ "'), raw_row_key(),"
            " stamp=row_stamps('raw').stamp, held_stamp=row_stamps('raw').held_stamp) }}"
    ) }}
    with deliveries_to_read as (
        {{ deliveries_to_read() }}
    )

    select * from {{ source('raw', feed) }} as delivered
    {{- only_rows_not_yet_read('delivered', raw_row_key(), 'deliveries_to_read', stamp=row_stamps('raw').stamp) }}
{%- endmacro %}

{#
  A build's data tests read the rows it wrote, not all history again.

  Every row of the large incremental models carries `built_at`, when the build of the model that
  wrote it began. Rows are only ever added or deleted, never changed in place (a row read again is
  deleted and written anew), so a row was checked by the build that wrote it, and what a build
  must check is its own rows. A uniqueness test still counts every row that shares a value with
  one of them: a new row repeating an old one's key is found. After a full refresh every row
  has the latest stamp, so everything is checked; `--vars '{test_all_rows: true}'` checks all
  rows of an incremental build too.
#}

{% macro build_stamp() -%}
    {#- DuckDB's current_timestamp is the start of the transaction, and a model's build is one
        transaction: one stamp for all the rows a build of the model writes. -#}
    current_timestamp as built_at
{%- endmacro %}

{% macro rows_sharing_a_value_with_the_latest_build(relation, columns) -%}
    {#- The rows of `relation` (as a subquery) whose values of `columns` a row of the latest
        build also holds. Every row where one build wrote them all (a full refresh), or with
        the variable test_all_rows: then no search for the latest rows is made. -#}
    {%- if var('test_all_rows') -%}
        (select * from {{ relation }})
    {%- else -%}
        (
        with stamps as (
            select min(built_at) = max(built_at) as one_build, max(built_at) as latest
            from {{ relation }}
        ),
        latest_values as (
            select distinct {{ columns | join(', ') }}
            from {{ relation }} as latest_rows
            where latest_rows.built_at = (select latest from stamps where not one_build)
        )
        select all_rows.* from {{ relation }} as all_rows
        where (select one_build from stamps)
        union all
        select all_rows.* from {{ relation }} as all_rows
        semi join latest_values
            on {% for c in columns %}all_rows.{{ c }} is not distinct from latest_values.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{% macro rows_of_the_latest_build(relation) -%}
    {#- The rows of `relation` (as a subquery) that its latest build wrote: each row's `built_at`
        is the time the build that wrote it began, and a build is kept only if its tests
        passed, so a test of each row alone need read no others. Every row with the variable
        test_all_rows. -#}
    {%- if var('test_all_rows') -%}
        (select * from {{ relation }})
    {%- else -%}
        (
        select * from {{ relation }} as latest_rows
        where latest_rows.built_at = (select max(built_at) from {{ relation }})
        )
    {%- endif -%}
{%- endmacro %}
