"""Document counts from the provincial document-management system (Sở Khoa học và Công nghệ), per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import uses_official_signatures

#: per agency and month: the busiest office handles some ten thousand documents
MONTHLY_MAX = 1_000_000

EDOC_DOCUMENT_MONTHLY = SourceSpec(
    name="edoc",
    entity="document_monthly",
    path="/api/v1/edoc/document-stats",
    description=("Văn bản đến, văn bản đi và văn bản ký số theo cơ quan và tháng"
                 " / Documents received, issued and digitally signed per agency and month"),
    columns=(
        Column("agency_code", "text"),
        Column("report_month", "date"),
        *(Column(name, "integer", maximum=MONTHLY_MAX)
          for name in ("documents_received", "documents_issued", "documents_signed")),
    ),
    grain="month",
    period_column="report_month",
    key=("agency_code", "report_month"),
    unit_column="agency_code",
    reports=uses_official_signatures,
)
