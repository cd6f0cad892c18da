{#- The summed counts the service index reads, at the grain of the enclosing group by (an agency, the province). -#}
{% macro index_inputs(relation) -%}
    sum({{ relation }}.received_count)::bigint as received_count,
    sum({{ relation }}.resolved_count)::bigint as resolved_count,
    sum({{ relation }}.resolved_in_time_count)::bigint as resolved_in_time_count,
    sum({{ relation }}.digitised_count)::bigint as digitised_count,
    sum({{ relation }}.result_digitised_count)::bigint as result_digitised_count,
    sum({{ relation }}.received_online_count)::bigint as received_online_count,
    sum({{ relation }}.fee_dossier_count)::bigint as fee_dossier_count,
    sum({{ relation }}.online_payment_count)::bigint as online_payment_count,
    sum({{ relation }}.rated_count)::bigint as rated_count,
    sum({{ relation }}.satisfaction_sum)::bigint as satisfaction_sum,
    bool_or({{ relation }}.is_synthetic) as is_synthetic
{%- endmacro %}
