{#- VNeID per commune and month: applications and activations in the month, the stocks at the month's
    last day with data, and the activation rate recomputed from those stocks. -#}
with

daily as (

    select * from {{ ref('fact_vneid_daily') }}

),

agencies as (

    select agency_code, name_vi, agency_type, former_province from {{ ref('dim_agency') }} where is_current

),

month_flows as (

    select
        agency_code,
        date_trunc('month', report_date)::date as month_start,
        max(report_date) as stock_date,
        sum(id_card_application_count)::bigint as id_card_applications,
        sum(eid_application_count)::bigint as eid_applications,
        sum(activated_level1_count)::bigint as activated_level1,
        sum(activated_level2_count)::bigint as activated_level2,
        sum(activated_count)::bigint as activated,
        bool_or(is_synthetic) as is_synthetic
    from daily
    group by agency_code, date_trunc('month', report_date)

),

month_stocks as (

    {#- the stocks at the month's last day with data; the rate divides those stocks (a ratio of stocks, never
        a mean of daily rates) -#}
    select
        month_flows.agency_code,
        month_flows.month_start,
        sum(stock.cumulative_eid_application_count)::bigint as cumulative_eid_applications,
        sum(stock.cumulative_activated_count)::bigint as cumulative_activated,
        {{ indicator_rate('eid_activation_rate', 'stock') }} as activation_rate_pct
    from month_flows
    inner join daily as stock
        on stock.agency_code = month_flows.agency_code and stock.report_date = month_flows.stock_date
    group by month_flows.agency_code, month_flows.month_start

),

final as (

    select
        month_flows.agency_code,
        agencies.name_vi as commune_name_vi,
        agencies.agency_type,
        agencies.former_province,
        month_flows.month_start,
        {{ month_label_vi('month_flows.month_start') }}
            as month_label_vi,
        month_flows.stock_date,
        month_flows.id_card_applications,
        month_flows.eid_applications,
        month_flows.activated_level1,
        month_flows.activated_level2,
        month_flows.activated,
        month_stocks.cumulative_eid_applications,
        month_stocks.cumulative_activated,
        month_stocks.activation_rate_pct,
        month_flows.is_synthetic
    from month_flows
    inner join month_stocks
        on month_stocks.agency_code = month_flows.agency_code and month_stocks.month_start = month_flows.month_start
    inner join agencies on agencies.agency_code = month_flows.agency_code

)

select * from final
