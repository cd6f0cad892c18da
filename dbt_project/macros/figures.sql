{#- Helpers shared by the figure origins and the quality rules (int_figures__*). -#}

{#- A breakdown ("media=token") that the indicator code already encodes (ds_token_count) is dropped, so the
    figure shares its context with the total it is part of. The keys are var dimensions_encoded_in_indicator. -#}
{% macro drop_encoded_dimensions(column) -%}
    case
        when split_part(coalesce({{ column }}, ''), '=', 1) in (
            {%- for key in var('dimensions_encoded_in_indicator') %}'{{ key }}'{{ ", " if not loop.last }}{% endfor -%}
        ) then ''
        else coalesce({{ column }}, '')
    end
{%- endmacro %}

{#- Does a stated value (with its comparator: =, ≥, >, ~) accept another value for the same figure?
    Rates accept the printed truncation or rounding of the other value and var rate_tolerance_pp. -#}
{% macro value_accepts(stated, comparator, other, is_rate, decimals) -%}
    (
        ({{ comparator }} = '=' and (
            {{ stated }} = {{ other }}
            or ({{ is_rate }} and (
                abs({{ stated }} - {{ other }}) <= {{ var('rate_tolerance_pp') }}
                or {{ stated }} = trunc({{ other }}, {{ decimals }})
                or {{ stated }} = round({{ other }}, {{ decimals }})))))
        or ({{ comparator }} in ('≥', '>=') and {{ other }} >= {{ stated }})
        or ({{ comparator }} = '>' and {{ other }} > {{ stated }})
        or ({{ comparator }} in ('≤', '<=') and {{ other }} <= {{ stated }})
        or ({{ comparator }} = '<' and {{ other }} < {{ stated }})
        or ({{ comparator }} = '~' and abs({{ stated }} - {{ other }})
            <= case when {{ is_rate }} then 1 else abs({{ stated }}) * 0.05 end)
    )
{%- endmacro %}

{#- The comparison context of a figure: two figures in one context describe the same scope, breakdown and
    window, so their values can be compared or combined. A stock is keyed by its date only. -#}
{% macro figure_context(alias='') -%}
    {%- set p = alias ~ '.' if alias else '' -%}
    concat_ws('|', {{ p }}scope_level, {{ p }}dimension,
              case when {{ p }}window_type = 'snapshot' then 'at' else coalesce({{ p }}window_start::text, '?') end,
              coalesce({{ p }}window_end::text, '?'))
{%- endmacro %}

{#- A number as Vietnamese readers write it: 1.190.533 and 97,17 (for the findings' descriptions). -#}
{% macro vi_number(expr) -%}
    rtrim(translate(to_char({{ expr }}, 'FM999G999G999G999G990D9999'), ',.', '.,'), ',')
{%- endmacro %}
