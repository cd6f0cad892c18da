"""TTHC dossier statistics from the provincial administrative-procedures system, per agency per day."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec

TTHC_DOSSIER_DAILY = SourceSpec(
    name="tthc",
    entity="dossier_daily",
    path="/api/v1/tthc/dossier-stats",
    description="Hồ sơ TTHC theo cơ quan và ngày (Phụ lục V) / TTHC dossiers per agency and day",
    columns=(
        Column("agency_code", "text"),
        Column("report_date", "date"),
        Column("received_online", "integer"),
        Column("received_direct", "integer"),
        Column("resolved_early", "integer"),
        Column("resolved_on_deadline", "integer"),
        Column("resolved_overdue", "integer"),
    ),
)
