{#
  Europe/London wall-clock text to a UTC timestamp. In the repeated hour when the clocks go
  back, feeds.md says a local time means its first occurrence (BST); DuckDB's conversion
  picks the second, so step back an hour when that also reads as the same wall-clock time.
#}
{% macro local_to_utc(column, format='%d/%m/%Y %H:%M:%S') -%}
    {{ local_timestamp_to_utc("try_strptime(nullif(" ~ column ~ ", ''), '" ~ format ~ "')") }}
{%- endmacro %}

{% macro local_timestamp_to_utc(expression) -%}
    (case
        when timezone('Europe/London', timezone('UTC', timezone('UTC', timezone('Europe/London', {{ expression }})) - interval 1 hour)) = {{ expression }}
            then timezone('UTC', timezone('Europe/London', {{ expression }})) - interval 1 hour
        else timezone('UTC', timezone('Europe/London', {{ expression }}))
    end)
{%- endmacro %}

{% macro local_date_of(utc_column) -%}
    cast(timezone('Europe/London', timezone('UTC', {{ utc_column }})) as date)
{%- endmacro %}

{% macro parse_dmy_date(column) -%}
    cast(try_strptime(nullif({{ column }}, ''), '%d/%m/%Y') as date)
{%- endmacro %}

{#
  The days a span of time touches, as a list of midnights (of the timestamps as stored, UTC),
  both ends' days included; empty when either end is null or the span ends before it starts.
  A day key to join on: a timestamp inside the span has date_trunc('day', ...) in the list.
#}
{% macro days_touched(start_column, end_column) -%}
    generate_series(date_trunc('day', {{ start_column }}), date_trunc('day', {{ end_column }}), interval 1 day)
{%- endmacro %}

{% macro band_start(window_start) -%}
    {#- Where a claim's band begins: the var outside_window_band_hours before its window. -#}
    {{ window_start }} - interval ({{ var('outside_window_band_hours') }}) hour
{%- endmacro %}

{% macro band_end(window_end) -%}
    {#- Where a claim's band ends: the var outside_window_band_hours after its window. -#}
    {{ window_end }} + interval ({{ var('outside_window_band_hours') }}) hour
{%- endmacro %}
