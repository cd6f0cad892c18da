"""Official digital-signature certificates from Sở Khoa học và Công nghệ, per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import uses_official_signatures

HOLDER_TYPES = ("organisation", "personal")
MEDIA = ("usb_token", "sim_pki", "remote_signing")
#: per agency: certificates issued or revoked in a month, and in use at its end
MONTHLY_MAX = {"issued": 10_000, "revoked": 10_000, "active": 50_000}

#: (Vietnamese, English) of each measure, holder type and medium, for the column descriptions
_MEASURES = {"issued": ("cấp mới trong tháng", "issued in the month", "counts: issued (cấp mới trong tháng)"),
             "revoked": ("thu hồi trong tháng", "revoked in the month", "counts: revoked (thu hồi trong tháng)"),
             "active": ("đang sử dụng cuối tháng", "in use at the month's end",
                        "stocks: in use at the month's end (đang sử dụng cuối tháng)")}
_HOLDERS = {"organisation": ("tổ chức", "Organisation"), "personal": ("cá nhân", "Personal")}
_MEDIA = {"usb_token": ("dạng USB token", "on USB token"), "sim_pki": ("dạng SIM PKI", "on SIM PKI"),
          "remote_signing": ("dạng ký số tập trung", "for remote signing")}


def _cell(measure: str, holder: str, medium: str) -> Column:
    vi_measure, en_measure, section = _MEASURES[measure]
    description = (f"Số chứng thư {_HOLDERS[holder][0]} {_MEDIA[medium][0]} {vi_measure}."
                   f" / {_HOLDERS[holder][1]} certificates {_MEDIA[medium][1]} {en_measure}.")
    name = f"{measure}_{holder}_{medium}"
    return Column(name, "integer", description, staged_as=f"{name}_count", section=section,
                  maximum=MONTHLY_MAX[measure])


SIGNATURE_CERTIFICATE_MONTHLY = SourceSpec(
    name="signature",
    entity="certificate_monthly",
    path="/api/v1/signatures/certificate-stats",
    description=("Chứng thư chữ ký số chuyên dùng công vụ theo cơ quan và tháng"
                 " / Official digital-signature certificates per agency and month"),
    system=("Chứng thư chữ ký số chuyên dùng công vụ theo cơ quan và tháng, do Sở Khoa học và Công nghệ quản lý."
            " / Official-use digital-signature certificates per agency and month, managed by the Department of"
            " Science and Technology."),
    owner="Sở Khoa học và Công nghệ (ld_so_khcn)",
    columns=(
        Column("agency_code", "text",
               "Mã cơ quan (cấp tỉnh hoặc cấp xã theo cơ quan). / Agency code (its level is the agency's)."),
        Column("report_month", "date", "Ngày đầu tháng số liệu. / First day of the month the counts refer to."),
        # issued, revoked and in use at the month's end, for each holder type and medium
        *(_cell(measure, holder, medium)
          for measure in ("issued", "revoked", "active") for holder in HOLDER_TYPES for medium in MEDIA),
    ),
    grain="month",
    period_column="report_month",
    key=("agency_code", "report_month"),
    unit_column="agency_code",
    reports=uses_official_signatures,
)
