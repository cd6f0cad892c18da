"""Document counts from the provincial document-management system (Sở Khoa học và Công nghệ), per agency per month."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import uses_official_signatures

#: per agency and month: the busiest office handles some ten thousand documents
MONTHLY_MAX = 1_000_000
SECTION = "counts: documents (văn bản đến, văn bản đi, văn bản ký số)"

EDOC_DOCUMENT_MONTHLY = SourceSpec(
    name="edoc",
    entity="document_monthly",
    path="/api/v1/edoc/document-stats",
    description=("Văn bản đến, văn bản đi và văn bản ký số theo cơ quan và tháng"
                 " / Documents received, issued and digitally signed per agency and month"),
    system=("Hệ thống quản lý văn bản và điều hành của tỉnh, do Sở Khoa học và Công nghệ quản lý."
            " / The provincial document-management system, run by the Department of Science and Technology."),
    owner="Sở Khoa học và Công nghệ (ld_so_khcn)",
    columns=(
        Column("agency_code", "text", "Mã cơ quan. / Agency code."),
        Column("report_month", "date", "Ngày đầu tháng số liệu. / First day of the month the counts refer to."),
        Column("documents_received", "integer", "Số văn bản đến trong tháng. / Documents received in the month.",
               staged_as="received_document_count", section=SECTION, maximum=MONTHLY_MAX),
        Column("documents_issued", "integer",
               "Số văn bản đi (phát hành) trong tháng. / Documents issued (sent) in the month.",
               staged_as="issued_document_count", section=SECTION, maximum=MONTHLY_MAX),
        Column("documents_signed", "integer",
               "Số văn bản đi được ký số trong tháng. / Issued documents that were digitally signed.",
               staged_as="signed_document_count", section=SECTION, maximum=MONTHLY_MAX),
    ),
    grain="month",
    period_column="report_month",
    key=("agency_code", "report_month"),
    unit_column="agency_code",
    reports=uses_official_signatures,
)
