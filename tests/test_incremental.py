"""The incremental fact: a late correction reaches the marts, and incremental equals a full refresh."""

from __future__ import annotations

from datetime import date

import pytest

from chiso.dbt import DbtError, dbt_target_dir, run_dbt
from chiso.extraction import extract_source
from chiso.warehouse import build_warehouse
from conftest import table_content
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


#: every incremental model, and the columns that say when a row was written rather than what it holds
INCREMENTAL_MODELS = {
    "intermediate.int_vneid__daily_current": (),
    "marts.fact_indicator_value": ("built_at",),
    "marts.fact_indicator_stock": (),
    "marts.scorecard__warehouse_actuals": (),
    "marts.fact_vneid_daily": (),
    "marts.fact_tthc_dossier_daily": (),
    "marts.fact_tthc_payment_daily": (),
}


def test_nights_on_top_of_history_equal_a_full_refresh_of_every_incremental_model(warehouse_url, simulator, conn):
    """Two nights, the second with a late VNeID correction (which changes the stocks of the day after it too):
    each incremental model then holds what a full refresh computes."""
    for name in ("vneid", "tthc", "payment", "signature", "tthc_services"):
        extract_source(name, date(2026, 9, 1), date(2026, 9, 6), corrections=True)
    build_warehouse()
    simulator.state.revise("vneid", date(2026, 9, 3))
    extract_source("vneid", date(2026, 9, 7), date(2026, 9, 7), corrections=True)
    build_warehouse()
    incremental = {relation: table_content(conn, relation, skip) for relation, skip in INCREMENTAL_MODELS.items()}
    september = conn.execute("select count(*) from intermediate.int_vneid__daily_current"
                             " where report_date between '2026-09-01' and '2026-09-07'").fetchone()[0]
    assert september > 0, "the nights loaded VNeID days"
    run_dbt(["build", "--full-refresh", "--select", " ".join(r.split(".")[1] for r in INCREMENTAL_MODELS)])
    for relation, skip in INCREMENTAL_MODELS.items():
        assert table_content(conn, relation, skip) == incremental[relation], relation


def test_the_nightly_tests_of_the_narrow_fact_check_the_rows_its_last_run_wrote(warehouse_url, simulator, conn):
    """After a night, a duplicate among the rows that night wrote fails the key test; the tests read only those
    rows (the night's day, not all history), through the fact's built_at."""
    extract_source("tthc", date(2026, 10, 1), date(2026, 10, 1), corrections=True)
    build_warehouse()
    fact = "marts.fact_indicator_value"
    last, total = conn.execute(f"select count(*) filter (where built_at = (select max(built_at) from {fact})),"
                               f" count(*) from {fact}").fetchone()
    assert 0 < last < total, (last, total)
    run_dbt(["test", "--select", "fact_indicator_value"])
    (planted,) = conn.execute(f"insert into {fact} select * from {fact}"
                              f" where built_at = (select max(built_at) from {fact}) limit 1 returning ctid").fetchone()
    try:
        with pytest.raises(DbtError, match="unique_combination_fact_indicator_value"):
            run_dbt(["test", "--select", "fact_indicator_value"])
    finally:  # the module's other tests build on this warehouse
        conn.execute(f"delete from {fact} where ctid = %s", (planted,))


def _last_analysed(conn, *relations: str) -> dict[str, object]:
    rows = conn.execute("select relid::regclass::text, coalesce(last_analyze, last_autoanalyze)"
                        " from pg_stat_user_tables where relid = any(%s::regclass[])", (list(relations),))
    return dict(rows.fetchall())


def test_a_night_samples_again_only_the_tables_it_changed_by_a_tenth(warehouse_url, simulator, conn):
    """Planner statistics after a night, by autovacuum's rule whether or not autovacuum runs: a table dbt rebuilt
    is analysed; an incremental model the night changed by far less than a tenth of its rows keeps its statistics
    (the narrow fact, one day of two months); one it changed by more is sampled again (the dossier mart, whose
    month the night rewrote). The first night samples the facts once more: a database copied from a template
    carries no analyse times, and the rows a full build wrote reach the counters when it commits, after its own
    analyse. So the rule is read on the second night."""
    narrow, dossier_mart, table = ("marts.fact_indicator_value", "marts.mart_tthc_dossier_agency_month",
                                   "marts.mart_tthc_service_index_month")
    nights = []
    for day in (date(2026, 10, 2), date(2026, 10, 3)):
        (started,) = conn.execute("select now()").fetchone()
        extract_source("tthc", day, day, corrections=True)
        extract_source("tthc_dossier", day, day)
        build_warehouse()
        nights.append((started, _last_analysed(conn, narrow, dossier_mart, table)))
    (_, first), (started, second) = nights
    assert all(first.values()), f"every table has statistics after a night: {first}"
    assert second[narrow] == first[narrow], "one day in two months is not a tenth of the fact: not sampled again"
    assert second[dossier_mart] > started and second[table] > started, second


def test_the_staging_tests_of_a_changes_feed_read_its_newest_batch(warehouse_url, simulator, conn):
    """Raw keeps every batch of dossier changes; the nightly staging tests read the newest one alone, named by a
    literal id when they run (the planner then reads it by the batch index). A duplicate in an older batch, checked
    when it came, passes; the same in the newest fails the key test."""
    extract_source("tthc_dossier", date(2026, 10, 3), date(2026, 10, 3))
    batches = [b for (b,) in conn.execute("select batch_id from raw.load_batch where source = 'tthc_dossier'"
                                          " and status = 'loaded' order by loaded_at")]
    assert len(batches) >= 2, batches
    run_dbt(["test", "--select", "stg_tthc_dossier__state"])
    compiled = next((dbt_target_dir() / "compiled").rglob("unique_combination_stg_tthc_do*.sql"))
    assert f"batch_id = '{batches[-1]}'::uuid" in compiled.read_text(encoding="utf-8")
    for batch, fails in ((batches[0], False), (batches[-1], True)):
        (planted,) = conn.execute("insert into raw.tthc_dossier_state select * from raw.tthc_dossier_state"
                                  " where batch_id = %s limit 1 returning ctid", (batch,)).fetchone()
        try:
            if fails:
                with pytest.raises(DbtError, match="unique_combination_stg_tthc_dossier__state"):
                    run_dbt(["test", "--select", "stg_tthc_dossier__state"])
            else:
                run_dbt(["test", "--select", "stg_tthc_dossier__state"])
        finally:
            conn.execute("delete from raw.tthc_dossier_state where ctid = %s", (planted,))
