"""The incremental fact: a late correction reaches the marts, and incremental equals a full refresh."""

from __future__ import annotations

from datetime import date

import pytest

from chiso.dbt import run_dbt
from chiso.extraction import extract_source
from chiso.warehouse import build_warehouse
from simulator import tthc

CORRECTED, NEXT_NIGHT = date(2026, 8, 5), date(2026, 8, 11)

FACT_BY_DAY = (
    "select report_date, indicator_code, sum(value), count(*) from marts.fact_indicator_value"
    " where report_date between '2026-08-01' and '2026-08-31' group by 1, 2 order by 1, 2"
)


pytestmark = [pytest.mark.warehouse("built"), pytest.mark.slow]  # new days on top of a built warehouse


def test_a_late_correction_flows_through_the_incremental_fact(warehouse_url, simulator, conn):
    extract_source("tthc", date(2026, 8, 1), date(2026, 8, 10), corrections=True)
    build_warehouse()
    simulator.state.revise("tthc", CORRECTED)

    summary = extract_source("tthc", NEXT_NIGHT, NEXT_NIGHT, corrections=True)
    build_warehouse()  # incremental: only the corrected day and the new day are re-derived

    assert f"{CORRECTED}..{CORRECTED}" in summary.corrected_periods
    expected = sum(r["received_online"] + r["received_direct"] for r in tthc.generate_day(
        simulator.state.seed + 7919, CORRECTED, simulator.state.feed_agencies(tthc.FEED)))
    received = conn.execute("select sum(value) from marts.fact_indicator_value where report_date = %s"
                            " and indicator_code = 'dossier_received_count'", (CORRECTED,)).fetchone()[0]
    assert received == expected

    incremental = conn.execute(FACT_BY_DAY).fetchall()
    run_dbt(["build", "--full-refresh", "--select", "fact_indicator_value"])
    assert conn.execute(FACT_BY_DAY).fetchall() == incremental
