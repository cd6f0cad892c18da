"""VNeID electronic-identification statistics from Công an tỉnh (PC06), per commune per day."""

from __future__ import annotations

from extract.sources.base import Column, SourceSpec
from extract.sources.units import is_commune

#: per commune and day: a busy ward takes a few dozen applications
DAILY_MAX = 10_000
#: per commune since the programme began: the largest commune has about 200.000 residents
CUMULATIVE_MAX = 1_000_000

VNEID_DAILY = SourceSpec(
    name="vneid",
    entity="daily",
    path="/api/v1/vneid/daily-stats",
    description="Căn cước, định danh điện tử VNeID theo xã và ngày / ID cards and VNeID e-ID per commune and day",
    columns=(
        Column("agency_code", "text"),
        Column("report_date", "date"),
        *(Column(name, "integer", maximum=DAILY_MAX) for name in (
            "id_card_applications", "eid_applications", "level1_activations", "level2_activations")),
        # stocks since the programme began (opening balance on 30/6/2025 plus every day since)
        *(Column(name, "integer", maximum=CUMULATIVE_MAX) for name in (
            "cumulative_id_card_applications", "cumulative_eid_applications", "cumulative_activations")),
    ),
    key=("agency_code", "report_date"),
    unit_column="agency_code",
    reports=is_commune,
)
