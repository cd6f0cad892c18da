"""Online payment of administrative-procedure fees (TTHC có nghĩa vụ tài chính), per agency per day."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import receives_dossiers

#: per agency and day: never more fee dossiers than dossiers received (DAILY_DOSSIERS_MAX of the TTHC feed)
DAILY_MAX = 20_000
SECTION = "counts: fees (nghĩa vụ tài chính, thanh toán trực tuyến)"

TTHC_PAYMENT_DAILY = SourceSpec(
    name="payment",
    entity="transaction_daily",
    path="/api/v1/payments/tthc-daily",
    description=("Hồ sơ TTHC có nghĩa vụ tài chính và giao dịch thanh toán trực tuyến theo cơ quan và ngày"
                 " / TTHC dossiers with a fee and online payment transactions per agency and day"),
    system=("Thanh toán trực tuyến phí, lệ phí TTHC qua Hệ thống thông tin giải quyết TTHC tỉnh, do Văn phòng UBND"
            " tỉnh quản lý. / Online payment of procedure fees through the provincial administrative-procedure"
            " system, run by the People's Committee Office."),
    owner="Văn phòng UBND tỉnh (ld_vp_ubnd)",
    columns=(
        Column("agency_code", "text", "Mã cơ quan tiếp nhận hồ sơ. / Receiving agency code."),
        Column("report_date", "date", "Ngày số liệu. / Day the counts refer to."),
        Column("fee_dossiers", "integer",
               "Số hồ sơ mới tiếp nhận có yêu cầu nghĩa vụ tài chính (phí, lệ phí). / New dossiers with a fee or"
               " charge to pay.", staged_as="fee_dossier_count", section=SECTION, maximum=DAILY_MAX),
        Column("online_payments", "integer",
               "Số giao dịch thanh toán trực tuyến thành công trong ngày. / Successful online payment transactions"
               " that day.", staged_as="online_payment_count", section=SECTION, maximum=DAILY_MAX),
    ),
    key=("agency_code", "report_date"),
    unit_column="agency_code",
    reports=receives_dossiers,
)
