"""Document counts from the provincial document-management system (Sở Khoa học và Công nghệ), per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec

EDOC_DOCUMENT_MONTHLY = SourceSpec(
    name="edoc",
    entity="document_monthly",
    path="/api/v1/edoc/document-stats",
    description=("Văn bản đến, văn bản đi và văn bản ký số theo cơ quan và tháng"
                 " / Documents received, issued and digitally signed per agency and month"),
    columns=(
        Column("agency_code", "text"),
        Column("report_month", "date"),
        Column("documents_received", "integer"),
        Column("documents_issued", "integer"),
        Column("documents_signed", "integer"),
    ),
    grain="month",
    period_column="report_month",
)
