"""VNeID electronic-identification statistics from Công an tỉnh (PC06), per commune per day."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec

VNEID_DAILY = SourceSpec(
    name="vneid",
    entity="daily",
    path="/api/v1/vneid/daily-stats",
    description="Căn cước, định danh điện tử VNeID theo xã và ngày / ID cards and VNeID e-ID per commune and day",
    columns=(
        Column("agency_code", "text"),
        Column("report_date", "date"),
        Column("id_card_applications", "integer"),
        Column("eid_applications", "integer"),
        Column("level1_activations", "integer"),
        Column("level2_activations", "integer"),
        # stocks since the programme began (opening balance on 30/6/2025 plus every day since)
        Column("cumulative_id_card_applications", "integer"),
        Column("cumulative_eid_applications", "integer"),
        Column("cumulative_activations", "integer"),
    ),
)
