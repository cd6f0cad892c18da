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


#: dossier states the source reports; a dossier is open while received, in process or waiting for a supplement
DOSSIER_STATUSES = ("received", "in_process", "supplement_requested", "resolved", "returned", "withdrawn")
CHANNELS = ("online", "in_person", "postal")
SERVICE_LEVELS = ("full_process", "partial_online", "in_person_only")


def _flag(name: str, description: str, *, nullable: bool = False) -> Column:
    return Column(name, "boolean", description, section="flags", nullable=nullable)


def _at(name: str, description: str, *, nullable: bool = False) -> Column:
    return Column(name, "timestamptz", description, nullable=nullable)


TTHC_DOSSIER_STATE = SourceSpec(
    name="tthc_dossier",
    entity="state",
    path="/api/v1/tthc/dossiers",
    description=("Hồ sơ TTHC, mỗi hồ sơ một bản ghi với trạng thái mới nhất; đồng bộ phần thay đổi mỗi đêm"
                 " / TTHC dossiers, one record per dossier in its latest state; the changes are synced nightly"),
    system=SYSTEM,
    owner=OWNER,
    columns=(
        Column("dossier_code", "text", "Mã hồ sơ. / Dossier code.", max_length=60),
        Column("procedure_code", "text", "Mã thủ tục hành chính. / Procedure code.", max_length=60),
        Column("field_code", "text", "Mã lĩnh vực của thủ tục. / The procedure's field (lĩnh vực).", max_length=60),
        AGENCY,
        Column("channel", "text", "Kênh nộp: trực tuyến, trực tiếp, bưu chính. / Channel: online, in person, postal.",
               allowed=CHANNELS),
        Column("service_level", "text",
               "Mức dịch vụ công trực tuyến của thủ tục: toàn trình, một phần, chỉ trực tiếp."
               " / The procedure's online service level: full process, partial, in person only.",
               allowed=SERVICE_LEVELS),
        Column("status", "text",
               "Trạng thái: tiếp nhận, đang xử lý, yêu cầu bổ sung, đã giải quyết, trả lại, rút hồ sơ."
               " / Status: received, in process, supplement requested, resolved, returned, withdrawn.",
               allowed=DOSSIER_STATUSES),
        _at("received_at", "Thời điểm tiếp nhận. / When the dossier was received."),
        _at("due_at", "Hạn trả kết quả. / When the result is due."),
        _at("finished_at", "Thời điểm giải quyết, trả lại hoặc rút hồ sơ; trống khi hồ sơ còn mở."
            " / When the dossier was resolved, returned or withdrawn; empty while open.", nullable=True),
        _at("updated_at", "Thời điểm trạng thái thay đổi lần cuối. / When the status last changed."),
        _flag("dossier_digitised", "Hồ sơ đầu vào đã số hoá. / The dossier (its inputs) was digitised."),
        _flag("result_digitised", "Kết quả giải quyết đã số hoá; trống khi chưa giải quyết."
              " / The result was digitised; empty until resolved.", nullable=True),
        _flag("has_fee", "Thủ tục có phí, lệ phí. / The procedure has a fee."),
        _flag("paid_online", "Đã thanh toán trực tuyến; trống khi không có phí. / Paid online; empty without a fee.",
              nullable=True),
        _flag("data_reused", "Dữ liệu được khai thác lại, không yêu cầu cung cấp lại. / Data reused instead of asked"
              " again (chỉ cung cấp thông tin một lần)."),
        Column("satisfaction", "integer", "Đánh giá hài lòng 1-5 khi người dân đánh giá. / Satisfaction rating"
               " 1-5 where given.", nullable=True, maximum=5, section="ratings"),
        Column("applicant_key", "text", "Khoá băm (HMAC) của mã định danh người nộp; không phải dữ liệu cá nhân."
               " / Keyed hash of the applicant identifier; never the identifier itself.", nullable=True),
    ),
    sync="changes",
    period_column=None,
    key=("dossier_code",),
    unit_column="agency_code",
    reports=receives_dossiers,
    #: a source may send these; they are personal data and never reach raw
    personal=("applicant_name", "applicant_phone", "applicant_address", "applicant_email"),
    #: (field the source sends, column of raw): replaced by a keyed hash before raw (CHISO_PSEUDONYM_KEY)
    pseudonymised=(("applicant_id", "applicant_key"),),
)
