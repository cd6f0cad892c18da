"""Dossier records: synced by changes night after night, a dossier resolved weeks later moves to its month, the marts
add up to the daily feed and to the published Q1/2026 totals, and no applicant data reaches raw, marts or exports."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from chiso.config import settings
from chiso.dbt import run_dbt
from chiso.extraction import extract_source
from chiso.publishing import publish_exports
from chiso.warehouse import build_warehouse
from conftest import chiso_environment, table_content
from simulator import dossiers, payment, tthc

pytestmark = [pytest.mark.warehouse("initialised"), pytest.mark.slow]

KEY = "test-pseudonym-key"
DOSSIER_MODELS = ["+mart_tthc_service_index_month", "+figures__checks", "--indirect-selection", "cautious"]


def _night(day: date) -> datetime:
    """01:30 in Lâm Đồng on ``day``, when the nightly run asks the source."""
    return datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC) - timedelta(hours=7)


def _sync(simulator, clock: datetime, start: date, end: date):
    simulator.state.clock = lambda: clock
    return extract_source("tthc_dossier", start, end)


def _build() -> None:
    run_dbt(["build", "-s", *DOSSIER_MODELS])


@pytest.fixture(scope="module")
def synced(warehouse_url, simulator):
    """A backfill of January to 9 February 2026 seen on 10 February, one night, a gap of five weeks, a last night
    on 2 April, each followed by a build: what the marts hold then, and the batches each sync loaded."""
    with chiso_environment(pseudonym_key=KEY):
        first = _sync(simulator, _night(date(2026, 2, 10)), date(2026, 1, 1), date(2026, 2, 9))
        _build()
        with psycopg.connect(warehouse_url) as c:
            open_then = dict(c.execute(
                "select dossier_code, status from marts.fact_tthc_dossier where outcome = 'open'").fetchall())
        night = _sync(simulator, _night(date(2026, 2, 11)), date(2026, 2, 10), date(2026, 2, 10))
        _build()
        later = _sync(simulator, _night(date(2026, 3, 20)), date(2026, 3, 19), date(2026, 3, 19))
        _build()
        last = _sync(simulator, _night(date(2026, 4, 2)), date(2026, 4, 1), date(2026, 4, 1))
        _build()
        build_warehouse()  # everything, for the exports
        exported = publish_exports()
    return {"first": first, "night": night, "later": later, "last": last, "open_then": open_then,
            "exports": settings().export_dir, "exported": exported}


def test_a_night_loads_only_what_changed(synced, conn):
    assert synced["first"].rows > 150_000
    assert 0 < synced["night"].rows < synced["first"].rows / 10  # a day's arrivals and changes, never all history
    batches = conn.execute("select count(*) from raw.load_batch where source = 'tthc_dossier' and status = 'loaded'")
    assert batches.fetchone()[0] == 4


def test_a_dossier_resolved_weeks_later_moves_to_its_month(synced, conn):
    moved = conn.execute(
        "select dossier_code, received_month, finished_month, outcome from marts.fact_tthc_dossier"
        " where dossier_code = any(%s) and finished_month = '2026-03-01' and received_month = '2026-02-01'"
        " order by dossier_code limit 1", (list(synced["open_then"]),)).fetchone()
    assert moved is not None, "no dossier open on 10 February was finished in March"
    code = moved[0]
    history = conn.execute("select status, is_current from intermediate.int_tthc_dossier__states"
                           " where dossier_code = %s order by valid_from", (code,)).fetchall()
    assert len(history) >= 2 and history[-1][1] and not any(current for _, current in history[:-1])
    assert history[0][0] in ("received", "in_process", "supplement_requested")
    # the month's counts agree with the fact: counted finished in March, open at the end of February
    feb_open, mar_finished = conn.execute(
        "select sum(open_at_month_end_count) filter (where month_start = '2026-02-01'),"
        " sum(resolved_count + returned_count + withdrawn_count) filter (where month_start = '2026-03-01')"
        " from marts.mart_tthc_dossier_agency_month").fetchone()
    expected_open, expected_finished = conn.execute(
        "select count(*) filter (where received_date <= '2026-02-28'"
        "   and (finished_date is null or finished_date > '2026-02-28')),"
        " count(*) filter (where finished_month = '2026-03-01') from marts.fact_tthc_dossier").fetchone()
    assert (feb_open, mar_finished) == (expected_open, expected_finished)


def test_the_records_add_up_to_the_daily_feeds(synced, simulator, conn):
    agencies = simulator.state.feed_agencies(tthc.FEED)
    expected = Counter()
    for n in range(59):  # January and February, computed here from the daily generators
        day = date(2026, 1, 1) + timedelta(n)
        month = day.replace(day=1)
        for row, fee in zip(tthc.generate_day(simulator.state.seed, day, agencies),
                            payment.generate_day(simulator.state.seed, day, agencies), strict=True):
            key = (row["agency_code"], month)
            expected[(*key, "received")] += row["received_online"] + row["received_direct"]
            expected[(*key, "online")] += row["received_online"]
            expected[(*key, "early")] += row["resolved_early"]
            expected[(*key, "on_time")] += row["resolved_on_deadline"]
            expected[(*key, "overdue")] += row["resolved_overdue"]
            expected[(*key, "fee")] += fee["fee_dossiers"]
            expected[(*key, "paid")] += fee["online_payments"]
    got = Counter()
    for agency, month, *values in conn.execute(
            "select agency_code, month_start, sum(received_count), sum(received_online_count),"
            " sum(resolved_early_count), sum(resolved_on_time_count), sum(resolved_overdue_count),"
            " sum(fee_dossier_count), sum(online_payment_count) from marts.mart_tthc_dossier_agency_month"
            " where month_start in ('2026-01-01', '2026-02-01') group by 1, 2"):
        for name, value in zip(("received", "online", "early", "on_time", "overdue", "fee", "paid"), values,
                               strict=True):
            got[(agency, month, name)] = value
    assert +got == +expected


def test_the_first_quarter_equals_the_published_totals(synced, conn):
    # 002:775: Quý I/2026 tiếp nhận 339.133 hồ sơ, 257.942 trực tuyến, 293.132 trước và đúng hạn, 12.579 quá hạn
    totals = conn.execute(
        "select sum(received_count), sum(received_online_count), sum(resolved_in_time_count),"
        " sum(resolved_overdue_count) from marts.mart_tthc_dossier_agency_month"
        " where month_start between '2026-01-01' and '2026-03-01'").fetchone()
    assert totals == (339_133, 257_942, 293_132, 12_579)
    records = conn.execute("select value from marts.figures__records where indicator_code = 'dossier_received_count'"
                           " and scope_level = 'province_total' and window_start = '2026-01-01'"
                           " and window_end = '2026-03-31'").fetchone()
    assert records == (339_133,)
    # the records never contradict the daily feed; what they contradict in a report, the feed contradicts too
    findings = conn.execute(
        "select origin, origins, rule_code, indicator_code, scope_level, window_start, window_end, found_value,"
        " expected_value from marts.figures__checks where origins like '%%records%%' or origin = 'feed'").fetchall()
    by_origin = {o: {tuple(f[2:]) for f in findings if f[0] == o} for o in ("records", "feed")}
    assert not [f for f in findings if "records" in f[1] and "feed" in f[1]], findings
    assert by_origin["records"] <= by_origin["feed"], findings


def test_the_index_scores_the_groups_the_records_allow(synced, conn):
    rows = conn.execute(
        "select progress_points, digitisation_points, online_points, transparency_points, satisfaction_points,"
        " computable_max_points, not_computable_vi, resolved_in_time_count, resolved_count"
        " from marts.mart_tthc_service_index_month where scope = 'province' and month_start = '2026-02-01'").fetchall()
    assert len(rows) == 1
    progress, digitisation, online, transparency, satisfaction, maximum, reasons, in_time, resolved = rows[0]
    assert transparency is None and satisfaction is None and maximum == 64
    assert "Công khai, minh bạch" in reasons and "Mức độ hài lòng" in reasons
    assert float(progress) == pytest.approx(20 * in_time / resolved, abs=0.01)
    assert 0 < float(digitisation) <= 22 and 0 < float(online) <= 22
    scored, reporting = conn.execute(
        "select (select count(*) from marts.mart_tthc_service_index_month where scope = 'agency'"
        "        and month_start = '2026-02-01'),"
        " (select count(distinct agency_code) from marts.mart_tthc_dossier_agency_month"
        "  where month_start = '2026-02-01')").fetchone()
    assert scored == reporting > 100


def test_no_applicant_data_reaches_raw_or_marts(synced, simulator, conn):
    columns = {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema in ('raw', 'staging',"
        " 'intermediate', 'marts')")}
    assert not columns & {"applicant_id", "applicant_name", "applicant_phone"}
    assert "applicant_key" not in {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'marts'")}
    code, key = conn.execute("select dossier_code, applicant_key from raw.tthc_dossier_state"
                             " where applicant_key is not null limit 1").fetchone()
    served = _served(simulator, code)
    assert key == hmac.new(KEY.encode(), served["applicant_id"].encode(), hashlib.sha256).hexdigest()
    leaked = conn.execute("select count(*) from raw.tthc_dossier_state where applicant_key = %s"
                          " or dossier_code = %s", (served["applicant_id"], served["applicant_id"])).fetchone()[0]
    assert leaked == 0


def test_no_applicant_data_reaches_the_exports(synced, simulator, conn):
    codes = [c for (c,) in conn.execute("select dossier_code from raw.tthc_dossier_state order by dossier_code"
                                        " limit 200")]
    served = [_served(simulator, code) for code in codes[::20]]
    index = [f for f in synced["exported"] if f.dataset == "tthc_service_index_by_agency_month"]
    assert index and index[0].rows > 100
    for path in synced["exports"].rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".html", ".jsonld"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "applicant" not in text, path
            assert not [r["applicant_id"] for r in served if r["applicant_id"] in text], path


#: the dossier chain's incremental models, and the columns that say when a row was written rather than what it holds
DOSSIER_INCREMENTAL = {
    "intermediate.int_tthc_dossier__states": ("built_at",),
    "marts.fact_tthc_dossier": ("built_at",),
    "marts.mart_tthc_dossier_agency_month": ("loaded_at",),
}


def test_the_nights_equal_a_full_refresh_of_the_dossier_models(synced, conn):
    incremental = {relation: table_content(conn, relation, skip) for relation, skip in DOSSIER_INCREMENTAL.items()}
    run_dbt(["build", "--full-refresh", "--select", " ".join(r.split(".")[1] for r in DOSSIER_INCREMENTAL)])
    for relation, skip in DOSSIER_INCREMENTAL.items():
        assert table_content(conn, relation, skip) == incremental[relation], relation


def test_the_bi_reader_sees_the_dossier_marts_and_not_raw(synced, conn):
    readable = conn.execute(
        "select has_table_privilege('chiso_bi_reader', 'marts.mart_tthc_dossier_agency_month', 'select'),"
        " has_table_privilege('chiso_bi_reader', 'marts.mart_tthc_service_index_month', 'select'),"
        " has_table_privilege('chiso_bi_reader', 'raw.tthc_dossier_state', 'select')").fetchone()
    assert readable == (True, True, False)


def _served(simulator, code: str) -> dict[str, object]:
    """The dossier as the simulator serves it now, found by its code in the received range of its day."""
    as_of = simulator.state.now()
    model = dossiers.model_for(simulator.state.seed, simulator.state.feed_agencies(dossiers.FEED), as_of)
    day = datetime.strptime(code.rsplit("-", 2)[1], "%y%m%d").date()
    _, rows = dossiers.received_in(model, day, day, as_of)
    return next(r for r in rows(0) if r["dossier_code"] == code)
