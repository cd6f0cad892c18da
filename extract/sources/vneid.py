"""VNeID electronic-identification statistics from Công an tỉnh (PC06), per commune per day."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import is_commune

#: per commune and day: a busy ward takes a few dozen applications
DAILY_MAX = 10_000
#: per commune since the programme began: the largest commune has about 200.000 residents
CUMULATIVE_MAX = 1_000_000

APPLICATIONS = "counts: the day's applications (hồ sơ thu nhận trong ngày)"
ACTIVATIONS = "counts: the day's activations (tài khoản kích hoạt trong ngày)"
STOCKS = "stocks at the end of the day (lũy kế, kể cả số dư trước 01/7/2025)"


def _count(name: str, staged: str, section: str, description: str, maximum: int = DAILY_MAX) -> Column:
    return Column(name, "integer", description, staged_as=staged, section=section, maximum=maximum)


VNEID_DAILY = SourceSpec(
    name="vneid",
    entity="daily",
    path="/api/v1/vneid/daily-stats",
    description="Căn cước, định danh điện tử VNeID theo xã và ngày / ID cards and VNeID e-ID per commune and day",
    system=("Số liệu căn cước, định danh điện tử (VNeID) theo xã và ngày do Công an tỉnh (PC06) cung cấp."
            " / ID-card and VNeID electronic-identification statistics per commune and day from the provincial"
            " police."),
    owner="Công an tỉnh (ld_congan_tinh)",
    columns=(
        Column("agency_code", "text", "Mã xã, phường, đặc khu. / Commune code."),
        Column("report_date", "date", "Ngày số liệu. / Day the counts refer to."),
        _count("id_card_applications", "id_card_application_count", APPLICATIONS,
               "Số hồ sơ cấp căn cước thu nhận trong ngày. / ID-card applications collected that day."),
        _count("eid_applications", "eid_application_count", APPLICATIONS,
               "Số hồ sơ cấp tài khoản định danh điện tử thu nhận trong ngày."
               " / E-ID account applications collected that day."),
        _count("level1_activations", "activated_level1_count", ACTIVATIONS,
               "Số tài khoản định danh điện tử mức 1 kích hoạt trong ngày."
               " / Level-1 e-ID accounts activated that day."),
        _count("level2_activations", "activated_level2_count", ACTIVATIONS,
               "Số tài khoản định danh điện tử mức 2 kích hoạt trong ngày."
               " / Level-2 e-ID accounts activated that day."),
        # stocks since the programme began (opening balance on 30/6/2025 plus every day since)
        _count("cumulative_id_card_applications", "cumulative_id_card_application_count", STOCKS,
               "Lũy kế hồ sơ cấp căn cước, căn cước công dân đến hết ngày (số dư 30/6/2025 cộng các ngày từ"
               " 01/7/2025). / ID-card applications to the end of the day (30/6/2025 balance plus every day since).",
               CUMULATIVE_MAX),
        _count("cumulative_eid_applications", "cumulative_eid_application_count", STOCKS,
               "Lũy kế hồ sơ cấp tài khoản định danh điện tử đến hết ngày."
               " / E-ID account applications to the end of the day.", CUMULATIVE_MAX),
        _count("cumulative_activations", "cumulative_activated_count", STOCKS,
               "Lũy kế tài khoản định danh điện tử đã kích hoạt (mức 1 và mức 2) đến hết ngày."
               " / Activated e-ID accounts (levels 1 and 2) to the end of the day.", CUMULATIVE_MAX),
    ),
    key=("agency_code", "report_date"),
    unit_column="agency_code",
    reports=is_commune,
)
