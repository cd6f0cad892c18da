"""The provincial administrative-procedures system: dossier statistics per agency per day, and its catalogue of
procedures and online public services per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec

TTHC_DOSSIER_DAILY = SourceSpec(
    name="tthc",
    entity="dossier_daily",
    path="/api/v1/tthc/dossier-stats",
    description="Hồ sơ TTHC theo cơ quan và ngày (Phụ lục V) / TTHC dossiers per agency and day",
    columns=(
        Column("agency_code", "text"),
        Column("report_date", "date"),
        Column("received_online", "integer"),
        Column("received_direct", "integer"),
        Column("resolved_early", "integer"),
        Column("resolved_on_deadline", "integer"),
        Column("resolved_overdue", "integer"),
    ),
)


TTHC_SERVICE_CATALOGUE = SourceSpec(
    name="tthc_services",
    entity="monthly",
    path="/api/v1/tthc/service-catalogue",
    description=("Danh mục TTHC và dịch vụ công trực tuyến (toàn trình, một phần) theo cơ quan, cuối mỗi tháng"
                 " / Procedures and online public services per agency, at each month end"),
    columns=(
        Column("agency_code", "text"),
        Column("report_month", "date"),
        Column("tthc_count", "integer"),
        Column("dvctt_full_count", "integer"),
        Column("dvctt_partial_count", "integer"),
        Column("in_person_only_count", "integer"),
    ),
    grain="month",
    period_column="report_month",
)
