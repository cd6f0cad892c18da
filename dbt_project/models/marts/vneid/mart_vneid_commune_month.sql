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

    select
        month_flows.*,
        stock.cumulative_eid_application_count::bigint as cumulative_eid_applications,
        stock.cumulative_activated_count::bigint as cumulative_activated
    from month_flows
    inner join daily as stock
        on stock.agency_code = month_flows.agency_code and stock.report_date = month_flows.stock_date

),

final as (

    select
        month_stocks.agency_code,
        agencies.name_vi as commune_name_vi,
        agencies.agency_type,
        agencies.former_province,
        month_stocks.month_start,
        {{ month_label_vi('month_stocks.month_start') }}
            as month_label_vi,
        month_stocks.stock_date,
        month_stocks.id_card_applications,
        month_stocks.eid_applications,
        month_stocks.activated_level1,
        month_stocks.activated_level2,
        month_stocks.activated,
        month_stocks.cumulative_eid_applications,
        month_stocks.cumulative_activated,
        round(100.0 * month_stocks.cumulative_activated / nullif(month_stocks.cumulative_eid_applications, 0), 2)
            ::numeric(7, 2) as activation_rate_pct,
        month_stocks.is_synthetic
    from month_stocks
    inner join agencies on agencies.agency_code = month_stocks.agency_code

)

select * from final
