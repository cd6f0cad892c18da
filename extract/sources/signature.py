"""Official digital-signature certificates from Sở Khoa học và Công nghệ, per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import uses_official_signatures

HOLDER_TYPES = ("organisation", "personal")
MEDIA = ("usb_token", "sim_pki", "remote_signing")
#: per agency: certificates issued or revoked in a month, and in use at its end
MONTHLY_MAX = {"issued": 10_000, "revoked": 10_000, "active": 50_000}

SIGNATURE_CERTIFICATE_MONTHLY = SourceSpec(
    name="signature",
    entity="certificate_monthly",
    path="/api/v1/signatures/certificate-stats",
    description=("Chứng thư chữ ký số chuyên dùng công vụ theo cơ quan và tháng"
                 " / Official digital-signature certificates per agency and month"),
    columns=(
        Column("agency_code", "text"),
        Column("report_month", "date"),
        # issued, revoked and in use at the month's end, for each holder type and medium
        *(Column(f"{measure}_{holder}_{medium}", "integer", maximum=MONTHLY_MAX[measure])
          for measure in ("issued", "revoked", "active") for holder in HOLDER_TYPES for medium in MEDIA),
    ),
    grain="month",
    period_column="report_month",
    key=("agency_code", "report_month"),
    unit_column="agency_code",
    reports=uses_official_signatures,
)
