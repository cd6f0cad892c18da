"""The provincial administrative-procedures system: dossier statistics per agency per day, and its catalogue of
procedures and online public services per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import receives_dossiers

#: per agency and day: the busiest one-stop desk receives a few hundred dossiers
DAILY_DOSSIERS_MAX = 20_000
#: per agency: the whole provincial catalogue holds about 1.600 procedures (002:775)
CATALOGUE_MAX = 5_000

SYSTEM = ("Hệ thống thông tin giải quyết TTHC tỉnh, do Văn phòng UBND tỉnh quản lý."
          " / The provincial administrative-procedure information system, run by the People's Committee Office.")
OWNER = "Văn phòng UBND tỉnh (ld_vp_ubnd)"
AGENCY = Column("agency_code", "text", "Mã cơ quan tiếp nhận hồ sơ. / Receiving agency code.")


def _dossiers(name: str, section: str, description: str) -> Column:
    return Column(name, "integer", description, staged_as=f"{name}_count", section=section,
                  maximum=DAILY_DOSSIERS_MAX)


TTHC_DOSSIER_DAILY = SourceSpec(
    name="tthc",
    entity="dossier_daily",
    path="/api/v1/tthc/dossier-stats",
    description="Hồ sơ TTHC theo cơ quan và ngày (Phụ lục V) / TTHC dossiers per agency and day",
    system=SYSTEM,
    owner=OWNER,
    columns=(
        AGENCY,
        Column("report_date", "date", "Ngày số liệu. / Day the counts refer to."),
        _dossiers("received_online", "counts: received (tiếp nhận mới)",
                  "Số hồ sơ mới tiếp nhận trực tuyến. / New dossiers received online."),
        _dossiers("received_direct", "counts: received (tiếp nhận mới)",
                  "Số hồ sơ mới tiếp nhận trực tiếp hoặc qua bưu chính. / New dossiers received in person or by post."),
        _dossiers("resolved_early", "counts: resolved (đã giải quyết)",
                  "Số hồ sơ giải quyết trước hạn. / Dossiers resolved before the deadline."),
        _dossiers("resolved_on_deadline", "counts: resolved (đã giải quyết)",
                  "Số hồ sơ giải quyết đúng hạn. / Dossiers resolved on the deadline."),
        _dossiers("resolved_overdue", "counts: resolved (đã giải quyết)",
                  "Số hồ sơ giải quyết quá hạn. / Dossiers resolved after the deadline."),
    ),
    key=("agency_code", "report_date"),
    unit_column="agency_code",
    reports=receives_dossiers,
)


def _catalogue(name: str, description: str) -> Column:
    return Column(name, "integer", description, section="counts: catalogue snapshot at the month end",
                  maximum=CATALOGUE_MAX)


TTHC_SERVICE_CATALOGUE = SourceSpec(
    name="tthc_services",
    entity="monthly",
    path="/api/v1/tthc/service-catalogue",
    description=("Danh mục TTHC và dịch vụ công trực tuyến (toàn trình, một phần) theo cơ quan, cuối mỗi tháng"
                 " / Procedures and online public services per agency, at each month end"),
    system=SYSTEM,
    owner=OWNER,
    columns=(
        Column("agency_code", "text", "Mã cơ quan. / Agency."),
        Column("report_month", "date",
               "Tháng (ngày đầu tháng); số liệu chốt cuối tháng. / Month (first day); snapshot at its end."),
        _catalogue("tthc_count", "Số TTHC cơ quan giải quyết. / Procedures the agency handles."),
        _catalogue("dvctt_full_count", "Số DVCTT toàn trình. / Full-process online services."),
        _catalogue("dvctt_partial_count", "Số DVCTT một phần. / Partial online services."),
        _catalogue("in_person_only_count", "Số TTHC chỉ thực hiện trực tiếp. / Procedures only available in person."),
    ),
    grain="month",
    period_column="report_month",
    key=("agency_code", "report_month"),
    unit_column="agency_code",
    reports=receives_dossiers,
)
