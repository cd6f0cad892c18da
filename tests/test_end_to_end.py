"""The nightly DAG through Airflow (dag.test) on real PostgreSQL, the simulator and dbt: marts and
exports equal the simulator's ground truth, computed here independently from its generator."""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
import sqlalchemy
from airflow.dag_processing.dagbag import DagBag

from chiso.config import PROJECT_ROOT, settings
from chiso.database import sqlalchemy_url
from chiso.dbt import dbt_target_dir
from extract.sources import SOURCES
from simulator import tthc

sys.path.insert(0, str(PROJECT_ROOT / "tests"))  # the annex sample builder lives beside the tests

pytestmark = pytest.mark.e2e

Q1 = (date(2026, 1, 1), date(2026, 3, 31))
NIGHT_OF_1_APRIL = datetime(2026, 3, 31, 18, 30, tzinfo=UTC)  # 01:30 on 1/4/2026 in Hồ Chí Minh

MART_Q1 = (
    "select agency_code, month_start, received_count, received_online_count, resolved_count,"
    " resolved_in_time_count, resolved_overdue_count, online_rate_pct, in_time_rate_pct"
    " from marts.mart_tthc_agency_month where month_start between %s and %s"
)

Q1_TOTALS = (
    "select count(*), sum(received_count), sum(received_online_count), sum(resolved_count),"
    " sum(resolved_overdue_count) from marts.mart_tthc_agency_month where month_start between %s and %s"
)


DOSSIER_Q1_TOTALS = (
    "select sum(received_count), sum(resolved_count), sum(open_at_month_end_count)"
    " from marts.mart_tthc_dossier_agency_month where month_start between %s and %s"
)


def _run_nightly(run_conf: dict | None) -> str:
    dag = DagBag(dag_folder=PROJECT_ROOT / "dags", safe_mode=False).dags["chiso_nightly"]
    run = dag.test(logical_date=NIGHT_OF_1_APRIL, run_conf=run_conf)
    return str(run.state)


def _pct(num: int, den: int) -> Decimal | None:
    if den == 0:
        return None
    return (Decimal(100) * num / den).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def ground_truth(simulator) -> dict[tuple[str, date], dict[str, int]]:
    """Per agency and month, summed straight from the simulator's generator (no extract, no dbt)."""
    totals: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    agencies = simulator.state.feed_agencies(tthc.FEED)
    for row in tthc.FEED.generate_range(simulator.state.seed, *Q1, agencies):
        key = (row["agency_code"], date.fromisoformat(row["report_date"]).replace(day=1))
        t = totals[key]
        t["received"] += row["received_online"] + row["received_direct"]
        t["online"] += row["received_online"]
        t["in_time"] += row["resolved_early"] + row["resolved_on_deadline"]
        t["overdue"] += row["resolved_overdue"]
        t["resolved"] += row["resolved_early"] + row["resolved_on_deadline"] + row["resolved_overdue"]
    return totals


@pytest.fixture(scope="module")
def nightly_q1(warehouse_url, simulator, airflow_db) -> str:
    return _run_nightly({"from": Q1[0].isoformat(), "to": Q1[1].isoformat()})


def test_the_nightly_dag_succeeds(nightly_q1):
    assert nightly_q1 == "success"


def test_the_mart_reproduces_the_published_q1_totals(nightly_q1, conn):
    # 002_47fe5be8680f8277.txt:775: 339.133 received, 257.942 online (76,05 %), 293.132 in time (95,88 %)
    received, online, in_time, resolved = conn.execute(
        "select sum(received_count), sum(received_online_count), sum(resolved_in_time_count), sum(resolved_count)"
        " from marts.mart_tthc_agency_month where month_start between %s and %s", Q1).fetchone()
    assert (received, online, in_time) == (339_133, 257_942, 293_132)
    assert _pct(online, received) == Decimal("76.06")  # the report truncates to 76,05
    assert _pct(in_time, resolved) == Decimal("95.89")  # the report truncates to 95,88


def test_every_agency_month_equals_the_ground_truth(nightly_q1, conn, ground_truth):
    mart = {(r[0], r[1]): r[2:] for r in conn.execute(MART_Q1, Q1)}
    assert set(mart) == {k for k, t in ground_truth.items() if t["received"] or t["resolved"]}
    for key, (received, online, resolved, in_time, overdue, online_pct, in_time_pct) in mart.items():
        t = ground_truth[key]
        assert (received, online, resolved, in_time, overdue) == (
            t["received"], t["online"], t["resolved"], t["in_time"], t["overdue"]), key
        assert online_pct == _pct(t["online"], t["received"]), key
        assert in_time_pct == _pct(t["in_time"], t["resolved"]), key


def test_the_csv_export_opens_in_excel_and_matches_the_mart(nightly_q1, warehouse_url):
    path = settings().export_dir / "tthc_dossiers_by_agency_month.csv"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM: Excel reads the file as UTF-8
    exported = pd.read_csv(path, encoding="utf-8-sig", dtype={"agency_code": str})
    engine = sqlalchemy.create_engine(sqlalchemy_url(warehouse_url))
    with engine.connect() as sa_conn:  # same rows, same values, same order
        mart = pd.read_sql_query(
            "select * from marts.mart_tthc_agency_month order by month_start, agency_code", sa_conn,
            dtype={"agency_code": str})
    engine.dispose()
    assert list(exported.columns) == [*mart.columns, "suppressed_columns"]  # privacy flag (publish/privacy.py)
    assert len(exported) == len(mart) > 0
    assert exported["received_count"].tolist() == mart["received_count"].tolist()
    shown = exported["suppressed_columns"].isna()  # rows where no small commune count was suppressed
    assert 0 < (~shown).sum() < len(exported)
    assert (exported.loc[shown, "in_time_rate_pct"].round(2).tolist()
            == mart.loc[shown, "in_time_rate_pct"].astype(float).round(2).tolist())
    with path.open(encoding="utf-8-sig", newline="") as fh:
        names = {row["agency_name_vi"] for row in csv.DictReader(fh)}
    assert "Đặc khu Phú Quý" in names


def test_the_dbt_docs_site_is_generated(nightly_q1):
    assert (dbt_target_dir() / "index.html").stat().st_size > 0
    assert (dbt_target_dir() / "catalog.json").exists()


def test_a_rerun_of_a_night_changes_no_total(nightly_q1, conn):
    before = conn.execute(Q1_TOTALS, Q1).fetchone(), conn.execute(DOSSIER_Q1_TOTALS, Q1).fetchone()
    # a feed of periods supersedes the period it reloads; a feed of changes adds the window it syncs
    periods = [name for name, spec in SOURCES.items() if spec.sync == "periods"]
    batches = "select count(*) from raw.load_batch where status = 'loaded' and source = any(%s)"
    raw_before = conn.execute(batches, (periods,)).fetchone()[0]
    assert _run_nightly(None) == "success"  # no parameters: the previous local day, 31/3/2026
    after = conn.execute(Q1_TOTALS, Q1).fetchone(), conn.execute(DOSSIER_Q1_TOTALS, Q1).fetchone()
    assert after == before
    assert conn.execute(batches, (periods,)).fetchone()[0] == raw_before
    rerun = conn.execute("select count(*) from raw.load_batch where period_start = '2026-03-31'"
                         " and status = 'superseded'").fetchone()[0]
    assert rerun >= 1


def test_the_reconciliation_mart_sets_published_figures_beside_the_warehouse(nightly_q1, conn):
    received = conn.execute(
        "select published_value, warehouse_value, difference, warehouse_is_synthetic"
        " from marts.mart_published_reconciliation where figure_id = 'obs0118'").fetchone()
    assert received == (339_133, 339_133, 0, True)  # 002:775, the simulator is calibrated to it
    resolved = conn.execute("select published_value, warehouse_value, finding_rules"
                            " from marts.mart_published_reconciliation where figure_id = 'obs0119'").fetchone()
    assert resolved[0] - resolved[1] == 1 and "parts_vs_total" in resolved[2]


def test_the_documents_own_contradictions_are_flagged_by_general_rules(nightly_q1, conn):
    findings = {(rule, ids) for rule, ids in conn.execute(
        "select rule_code, figure_ids from marts.mart_published_inconsistencies")}
    # 002:775 vs 002:778: Q1/2026 online rate stated as 76,05 % and as 90,11 %
    assert ("conflicting_values", "obs0125,obs0126") in findings
    assert ("rate_vs_counts", "obs0126,obs0124,obs0118") in findings
    # 002:775: 293.132 + 12.579 = 305.711, not the stated 305.712
    assert ("parts_vs_total", "obs0119,obs0120,obs0122") in findings
    # 000:127+129 cumulative direct dossiers (203.898) below what 002:776 implies by 31/3/2026 (240.991)
    assert ("window_containment", "obs0017+obs0021,obs0127-obs0134") in findings
    # the truncated 76,05 % is not a finding on its own
    assert not any(rule == "rate_vs_counts" and ids.startswith("obs0125,") for rule, ids in findings)


@pytest.fixture(scope="module")
def annex_v_filed(nightly_q1):
    """The published Phụ lục V (000:104-129), dropped as an XLSX and loaded by the file-drop DAG."""
    import filedrop_samples as samples

    inbox = settings().inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    samples.write_xlsx(inbox / "phu_luc_v_2026-06-19.xlsx", samples.phu_luc_v())
    dag = DagBag(dag_folder=PROJECT_ROOT / "dags", safe_mode=False).dags["chiso_filedrop"]
    run = dag.test(logical_date=datetime(2026, 6, 20, 1, 0, tzinfo=UTC))
    return str(run.state)


def test_the_file_drop_dag_loads_the_annex(annex_v_filed):
    assert annex_v_filed == "success"
    assert (settings().inbox_dir / "processed" / "phu_luc_v_2026-06-19.xlsx").exists()


def test_the_annex_mart_reproduces_the_filed_phu_luc_v_exactly(annex_v_filed, conn):
    rows = conn.execute(
        "select agency_level, tthc_count, dvctt_full_count, dvctt_partial_count, dossier_online_ytd,"
        " dossier_online_cumulative, dossier_direct_ytd, dossier_direct_cumulative, ytd_label_vi"
        " from marts.mart_tthc_annex_v where source = 'annex_file' and report_date = '2026-06-19'"
        " order by stt").fetchall()
    assert rows == [
        ("central", None, None, None, None, None, None, None, "5 tháng đầu năm 2026"),  # "-" and blanks
        # 000:112 (1.600), 000:119 (698, 902), 000:127 (205.496, 347.603, 29.818, 168.130)
        ("province", 1600, 698, 902, 205_496, 347_603, 29_818, 168_130, "5 tháng đầu năm 2026"),
        # 000:112 (377), 000:119 (143, 234), 000:129 (350.170, 908.409, 1.017, 35.768)
        ("commune", 377, 143, 234, 350_170, 908_409, 1_017, 35_768, "5 tháng đầu năm 2026"),
    ]


def test_the_warehouse_computes_phu_luc_v_at_each_month_end(nightly_q1, conn):
    province_q1, commune_q1 = conn.execute(
        "select dossier_online_ytd, dossier_direct_ytd from marts.mart_tthc_annex_v"
        " where source = 'warehouse' and report_date = '2026-03-31' order by stt").fetchall()
    online, direct = conn.execute(
        "select sum(received_online_count), sum(received_direct_count) from marts.mart_tthc_agency_month"
        " where month_start between '2026-01-01' and '2026-03-01'").fetchone()
    assert province_q1[0] + commune_q1[0] == online == 257_942  # 002:775
    assert province_q1[1] + commune_q1[1] == direct
