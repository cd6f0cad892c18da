{#- The service index of Decision 766/QĐ-TTg per agency and for the province, month by month, from the dossier
    records: each group's points where the records allow (progress, digitisation, online provision), and where
    they do not (transparency, satisfaction) no points and the reason, as seeds/service_index_groups.csv declares.
    Every share is recomputed from the summed counts of the unit's month, never averaged over agencies or fields. -#}
with

agency_months as (

    select * from {{ ref('mart_tthc_dossier_agency_month') }}

),

groups as (

    select * from {{ ref('service_index_groups') }}

),

units as (

    select
        agency_code as unit_code,
        'agency' as scope,
        agency_code,
        agency_name_vi,
        month_start,
        month_label_vi,
        {{ index_inputs('agency_months') }}
    from agency_months
    group by agency_code, agency_name_vi, month_start, month_label_vi

    union all

    select
        'province_total' as unit_code,
        'province' as scope,
        null as agency_code,
        'Toàn tỉnh Lâm Đồng' as agency_name_vi,
        month_start,
        month_label_vi,
        {{ index_inputs('agency_months') }}
    from agency_months
    group by month_start, month_label_vi

),

points as (

    select
        units.*,
        round((select g.max_points from groups as g where g.group_code = 'progress')
              * units.resolved_in_time_count::numeric / nullif(units.resolved_count, 0), 2) as progress_points,
        round((select g.max_points from groups as g where g.group_code = 'digitisation') * 0.5
              * (units.digitised_count::numeric / nullif(units.received_count, 0)
                 + units.result_digitised_count::numeric / nullif(units.resolved_count, 0)), 2) as digitisation_points,
        round((select g.max_points from groups as g where g.group_code = 'online') * 0.5
              * (units.received_online_count::numeric / nullif(units.received_count, 0)
                 + units.online_payment_count::numeric / nullif(units.fee_dossier_count, 0)), 2) as online_points
    from units

),

final as (

    select
        ---------- keys
        points.unit_code,
        points.scope,
        points.agency_code,
        points.agency_name_vi,
        points.month_start,
        points.month_label_vi,

        ---------- the groups (nhóm chỉ số)
        null::numeric(5, 2) as transparency_points,
        points.progress_points::numeric(5, 2) as progress_points,
        points.digitisation_points::numeric(5, 2) as digitisation_points,
        points.online_points::numeric(5, 2) as online_points,
        null::numeric(5, 2) as satisfaction_points,

        ---------- the score over the groups the records allow
        (points.progress_points + points.digitisation_points + points.online_points)::numeric(5, 2)
            as computable_points,
        (select sum(g.max_points) from groups as g where g.is_computable)::integer as computable_max_points,
        round(100.0 * (points.progress_points + points.digitisation_points + points.online_points)
              / (select sum(g.max_points) from groups as g where g.is_computable), 2)::numeric(5, 2)
            as score_of_computable_pct,
        (select string_agg(g.name_vi || ': ' || g.not_computable_reason_vi, ' ' order by g.position)
         from groups as g where not g.is_computable) as not_computable_vi,

        ---------- inputs (the counts each group reads)
        points.received_count,
        points.resolved_count,
        points.resolved_in_time_count,
        points.digitised_count,
        points.result_digitised_count,
        points.received_online_count,
        points.fee_dossier_count,
        points.online_payment_count,
        points.rated_count,
        round(points.satisfaction_sum::numeric / nullif(points.rated_count, 0), 2)::numeric(4, 2)
            as mean_rating_for_reference,
        points.is_synthetic

    from points

)

select * from final
