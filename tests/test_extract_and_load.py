"""Extraction over real HTTP into real PostgreSQL: batches, supersession, retries and rejected input."""

from datetime import date

import pytest

from chiso.extraction import extract_source
from extract.http import SourceError
from extract.loader import LoadError, load_batch
from extract.sources import get_source

SPEC = get_source("tthc")


def _current_totals(conn, start, end):
    return conn.execute(
        "select count(*), coalesce(sum(d.received_online + d.received_direct), 0)"
        " from raw.tthc_dossier_daily d join raw.load_batch b using (batch_id)"
        " where b.status = 'loaded' and d.report_date between %s and %s",
        (start, end),
    ).fetchone()


def _row(**overrides):
    row = {"agency_code": "ld_xa_24781", "report_date": "2026-05-04", "received_online": 3, "received_direct": 1,
           "resolved_early": 2, "resolved_on_deadline": 1, "resolved_overdue": 0}
    row.update(overrides)
    return row


def test_each_day_is_one_batch_with_its_metadata(conn, simulator):
    summary = extract_source("tthc", date(2026, 3, 10), date(2026, 3, 12))
    assert summary.days == 3
    batches = conn.execute(
        "select period_start, period_end, row_count, status, is_synthetic, checksum is not null, source_url"
        " from raw.load_batch where batch_id = any(%s::uuid[]) order by period_start",
        (list(summary.batches),),
    ).fetchall()
    assert [b[0] for b in batches] == [date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)]
    assert all(b[0] == b[1] and b[3] == "loaded" and b[4] and b[5] for b in batches)
    assert sum(b[2] for b in batches) == summary.rows == _current_totals(conn, date(2026, 3, 10), date(2026, 3, 12))[0]
    assert batches[0][6].startswith(simulator.url)


def test_rerunning_a_range_supersedes_and_never_duplicates(conn, simulator):
    first = extract_source("tthc", date(2026, 3, 20), date(2026, 3, 21))
    before = _current_totals(conn, date(2026, 3, 20), date(2026, 3, 21))
    second = extract_source("tthc", date(2026, 3, 20), date(2026, 3, 21))
    after = _current_totals(conn, date(2026, 3, 20), date(2026, 3, 21))
    assert after == before
    superseded = conn.execute(
        "select count(*) from raw.load_batch where batch_id = any(%s::uuid[]) and status = 'superseded'"
        " and superseded_by = any(%s::uuid[])",
        (list(first.batches), list(second.batches)),
    ).fetchone()[0]
    assert superseded == 2
    # raw is append-only: the superseded rows are still there for lineage
    kept = conn.execute("select count(*) from raw.tthc_dossier_daily where batch_id = any(%s::uuid[])",
                        (list(first.batches),)).fetchone()[0]
    assert kept == first.rows


def test_transient_server_errors_are_retried(conn, simulator):
    simulator.state.faults.fail_next_requests = 2
    summary = extract_source("tthc", date(2026, 3, 25), date(2026, 3, 25))
    assert summary.rows > 0
    assert simulator.state.faults.fail_next_requests == 0


def test_a_source_that_keeps_failing_fails_loudly_and_leaves_raw_unchanged(conn, simulator):
    extract_source("tthc", date(2026, 3, 26), date(2026, 3, 26))
    before = _current_totals(conn, date(2026, 3, 26), date(2026, 3, 26))
    simulator.state.faults.fail_next_requests = 50
    try:
        with pytest.raises(SourceError, match=r"HTTP 503|failed after retries"):
            extract_source("tthc", date(2026, 3, 26), date(2026, 3, 26))
    finally:
        simulator.state.faults.fail_next_requests = 0
    assert _current_totals(conn, date(2026, 3, 26), date(2026, 3, 26)) == before
    status = conn.execute("select status, error from raw.load_batch where period_start = '2026-03-26'"
                          " order by extracted_at desc limit 1").fetchone()
    assert status[0] == "failed" and "503" in status[1]


def test_schema_drift_quarantines_the_batch_and_keeps_earlier_data(conn, warehouse_url):
    day = date(2026, 5, 4)
    load_batch(conn, SPEC, day, day, [_row()], source_url="test", is_synthetic=True)
    drifted = [_row(), _row(agency_code="ld_xa_24784", received_online_count=5)]
    with pytest.raises(LoadError) as err:
        load_batch(conn, SPEC, day, day, drifted, source_url="test", is_synthetic=True)
    message = str(err.value)
    assert "row 2" in message and "schema drift" in message and "received_online_count" in message
    assert _current_totals(conn, day, day) == (1, 4)
    quarantined = conn.execute("select count(*) from raw.load_batch where period_start = %s and status = 'quarantined'",
                               (day,)).fetchone()[0]
    assert quarantined == 1


def test_a_bad_value_names_the_row_and_column(conn):
    day = date(2026, 5, 5)
    before = _current_totals(conn, day, day)
    with pytest.raises(LoadError, match=r"row 1, column 'received_direct': expected a count >= 0, got -3"):
        load_batch(conn, SPEC, day, day, [_row(report_date="2026-05-05", received_direct=-3)],
                   source_url="test", is_synthetic=True)
    assert _current_totals(conn, day, day) == before


def test_a_row_outside_the_batch_period_is_rejected(conn):
    day = date(2026, 5, 6)
    with pytest.raises(LoadError, match="outside the batch period"):
        load_batch(conn, SPEC, day, day, [_row(report_date="2026-05-07")], source_url="test", is_synthetic=True)


def test_a_batch_overlapping_a_different_period_is_refused(conn):
    load_batch(conn, SPEC, date(2026, 6, 1), date(2026, 6, 1), [_row(report_date="2026-06-01")],
               source_url="test", is_synthetic=True)
    with pytest.raises(LoadError, match="overlaps current batch"):
        load_batch(conn, SPEC, date(2026, 5, 31), date(2026, 6, 2), [], source_url="test", is_synthetic=True)
