"""Official digital-signature certificates from Sở Khoa học và Công nghệ, per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec

HOLDER_TYPES = ("organisation", "personal")
MEDIA = ("usb_token", "sim_pki", "remote_signing")

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
        *(Column(f"{measure}_{holder}_{medium}", "integer")
          for measure in ("issued", "revoked", "active") for holder in HOLDER_TYPES for medium in MEDIA),
    ),
    grain="month",
    period_column="report_month",
)
