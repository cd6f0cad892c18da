{#- The one way chiso computes a rate: percentage of SUMMED counts at the grain of the enclosing
    group by, so a rate is never an average of rates. Returns null when the denominator sums to 0. -#}
{% macro rate_pct(numerator, denominator, precision=2) -%}
    round(100.0 * sum({{ numerator }})::numeric / nullif(sum({{ denominator }}), 0), {{ precision }})::numeric(7, {{ precision }})
{%- endmacro %}
