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
