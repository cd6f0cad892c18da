"""Every injected source fault either recovers (retries) or fails loudly with raw left unchanged."""

from __future__ import annotations

from datetime import date

import pytest

from chiso.config import settings
from chiso.extraction import extract_source
from extract.http import SourceError
from extract.loader import LoadError
from simulator import tthc


def _day_rows(conn, day):
    return conn.execute(
        "select d.agency_code, d.received_online, d.received_direct, d.resolved_overdue"
        " from raw.tthc_dossier_daily d join raw.load_batch b using (batch_id)"
        " where b.status = 'loaded' and d.report_date = %s order by d.agency_code", (day,)).fetchall()


def _last_attempt(conn, day):
    return conn.execute("select status, error from raw.load_batch where source = 'tthc' and period_start = %s"
                        " order by extracted_at desc limit 1", (day,)).fetchone()


@pytest.fixture
def small_pages(monkeypatch, simulator):
    """Pages of 50 rows, so one day spans several pages."""
    monkeypatch.setenv("CHISO_HTTP_PAGE_SIZE", "50")
    settings.cache_clear()
    yield
    simulator.state.faults.__init__()  # clear whatever a failing test left armed
    monkeypatch.undo()
    settings.cache_clear()


@pytest.fixture
def loaded_day(conn, simulator):
    day = date(2026, 2, 3)
    extract_source("tthc", day, day)
    return day, _day_rows(conn, day)


def test_a_truncated_page_fails_the_batch_and_keeps_the_earlier_load(conn, simulator, loaded_day, small_pages):
    day, before = loaded_day
    simulator.state.faults.truncate_next_pages = 1
    with pytest.raises(SourceError, match="truncated"):
        extract_source("tthc", day, day)
    assert _day_rows(conn, day) == before
    assert _last_attempt(conn, day)[0] == "failed"


def test_a_repeated_page_fails_the_batch_and_keeps_the_earlier_load(conn, simulator, loaded_day, small_pages):
    day, before = loaded_day
    simulator.state.faults.repeat_next_pages = 1  # asked for page 2, the source sends page 1 again
    with pytest.raises(SourceError, match="repeated or skipped page"):
        extract_source("tthc", day, day)
    assert _day_rows(conn, day) == before
    assert _last_attempt(conn, day)[0] == "failed"


@pytest.mark.parametrize(("rename", "extra", "expected"), [
    ({"received_online": "received_online_count"}, {}, "missing columns ['received_online']"),
    ({}, {"received_postal": 0}, "unexpected columns ['received_postal']"),
])
def test_schema_drift_quarantines_the_batch(conn, simulator, loaded_day, rename, extra, expected):
    day, before = loaded_day
    simulator.state.faults.rename_fields = rename
    simulator.state.faults.extra_fields = extra
    try:
        with pytest.raises(LoadError, match="schema drift") as err:
            extract_source("tthc", day, day)
    finally:
        simulator.state.faults.rename_fields = {}
        simulator.state.faults.extra_fields = {}
    assert expected in str(err.value)
    assert _day_rows(conn, day) == before
    status, error = _last_attempt(conn, day)
    assert status == "quarantined" and "row 1" in error


def test_a_slow_answer_times_out_and_is_retried(conn, simulator, monkeypatch):
    monkeypatch.setenv("CHISO_HTTP_TIMEOUT_S", "0.5")
    settings.cache_clear()
    simulator.state.faults.delay_s = 1.5
    simulator.state.faults.delay_next_requests = 1
    try:
        summary = extract_source("tthc", date(2026, 2, 4), date(2026, 2, 4))
    finally:
        simulator.state.faults.delay_next_requests = 0
        monkeypatch.undo()
        settings.cache_clear()
    assert summary.rows == len(simulator.state.feed_agencies(tthc.FEED))


def test_the_rate_limit_is_respected_with_retry_after(conn, simulator):
    simulator.state.rate_limit_per_s = 2.0
    try:
        summary = extract_source("tthc", date(2026, 2, 5), date(2026, 2, 8))
    finally:
        simulator.state.rate_limit_per_s = 0.0
    assert summary.periods == 4


def test_a_late_correction_is_picked_up_by_the_next_night(conn, simulator):
    corrected_day, next_night = date(2026, 2, 10), date(2026, 2, 11)
    extract_source("tthc", corrected_day, corrected_day, corrections=True)
    before = _day_rows(conn, corrected_day)
    simulator.state.revise("tthc", corrected_day)

    summary = extract_source("tthc", next_night, next_night, corrections=True)

    assert f"{corrected_day}..{corrected_day}" in summary.corrected_periods
    after = _day_rows(conn, corrected_day)
    assert after != before
    expected = tthc.generate_day(simulator.state.seed + 7919, corrected_day, simulator.state.feed_agencies(tthc.FEED))
    assert [(r["agency_code"], r["received_online"], r["received_direct"], r["resolved_overdue"]) for r in expected] \
        == after
    # and the night after, nothing is corrected again
    again = extract_source("tthc", date(2026, 2, 12), date(2026, 2, 12), corrections=True)
    assert f"{corrected_day}..{corrected_day}" not in again.corrected_periods
