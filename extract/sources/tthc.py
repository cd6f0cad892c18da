"""The provincial administrative-procedures system: dossier statistics per agency per day, and its catalogue of
procedures and online public services per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import receives_dossiers

#: per agency and day: the busiest one-stop desk receives a few hundred dossiers
DAILY_DOSSIERS_MAX = 20_000
#: per agency: the whole provincial catalogue holds about 1.600 procedures (002:775)
CATALOGUE_MAX = 5_000

TTHC_DOSSIER_DAILY = SourceSpec(
    name="tthc",
    entity="dossier_daily",
    path="/api/v1/tthc/dossier-stats",
    description="Hồ sơ TTHC theo cơ quan và ngày (Phụ lục V) / TTHC dossiers per agency and day",
    columns=(
        Column("agency_code", "text"),
        Column("report_date", "date"),
        *(Column(name, "integer", maximum=DAILY_DOSSIERS_MAX) for name in (
            "received_online", "received_direct", "resolved_early", "resolved_on_deadline", "resolved_overdue")),
    ),
    key=("agency_code", "report_date"),
    unit_column="agency_code",
    reports=receives_dossiers,
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
        *(Column(name, "integer", maximum=CATALOGUE_MAX) for name in (
            "tthc_count", "dvctt_full_count", "dvctt_partial_count", "in_person_only_count")),
    ),
    grain="month",
    period_column="report_month",
    key=("agency_code", "report_month"),
    unit_column="agency_code",
    reports=receives_dossiers,
)
