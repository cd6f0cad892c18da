{#- The one way chiso computes a rate: percentage of SUMMED counts at the grain of the enclosing
    group by, so a rate is never an average of rates. Returns null when the denominator sums to 0. -#}
{% macro rate_pct(numerator, denominator, precision=2) -%}
    round(100.0 * sum({{ numerator }})::numeric / nullif(sum({{ denominator }}), 0), {{ precision }})::numeric(7, {{ precision }})
{%- endmacro %}

{#- A catalogue rate by its code: the ratio metric of _metrics.yml that tools/generate_dbt.py writes from the
    catalogue's numerator and denominator, over the fact columns that count them. Every mart computes a rate
    this way, so a rate is defined once. `relation` prefixes the columns ('facts' → facts.received_online_count). -#}
{% macro indicator_rate(code, relation=none, precision=2) -%}
    {%- set columns = indicator_rate_columns().get(code) -%}
    {%- if columns is none -%}
        {%- set hint = "give it a numerator and denominator in seeds/indicators.csv, map both to fact columns"
                       ~ " (meta.indicator) and run python -m tools.generate_dbt" -%}
        {{ exceptions.raise_compiler_error("indicator_rate: '" ~ code ~ "' is no rate of the wide facts; " ~ hint) }}
    {%- endif -%}
    {%- set prefix = (relation ~ '.') if relation else '' -%}
    {{ rate_pct(prefix ~ columns[0], prefix ~ columns[1], precision) }}
{%- endmacro %}
