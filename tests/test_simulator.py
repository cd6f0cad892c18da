"""The TTHC simulator reproduces the province's published totals and speaks HTTP like a real source."""

from datetime import date

import requests

from chiso.config import PROJECT_ROOT
from simulator import tthc
from simulator.feeds import load_agencies

AGENCIES = tuple(a for a in load_agencies(PROJECT_ROOT / "seeds" / "agencies.csv") if tthc.FEED.serves(a))


def _sum(rows, *fields):
    return sum(int(r[f]) for r in rows for f in fields)


def test_q1_2026_sums_to_the_published_totals():
    # 002_47fe5be8680f8277.txt:775 — "Từ ngày 01/01/2026 đến ngày 31/3/2026, toàn tỉnh đã tiếp nhận 339.133 hồ sơ;
    # ... trước hạn và đúng hạn 293.132 hồ sơ ..., quá hạn 12.579 hồ sơ ... hồ sơ trực tuyến đạt 257.942 hồ sơ"
    rows = list(tthc.FEED.generate_range(7, date(2026, 1, 1), date(2026, 3, 31), AGENCIES))
    assert _sum(rows, "received_online", "received_direct") == 339_133
    assert _sum(rows, "received_online") == 257_942
    assert _sum(rows, "resolved_early", "resolved_on_deadline") == 293_132
    assert _sum(rows, "resolved_overdue") == 12_579


def test_cumulative_since_the_merger_matches_the_published_figures():
    # 002:776 — "Lũy kế từ ngày 01/7/2025 đến hết ngày 31/3/2026, toàn tỉnh đã tiếp nhận 1.190.533 hồ sơ ...
    # trước hạn và đúng hạn 1.084.842 ... quá hạn 27.069 ... hồ sơ trực tuyến đạt 949.542"
    rows = list(tthc.FEED.generate_range(7, date(2025, 7, 1), date(2026, 3, 31), AGENCIES))
    assert _sum(rows, "received_online", "received_direct") == 1_190_533
    assert _sum(rows, "received_online") == 949_542
    assert _sum(rows, "resolved_early", "resolved_on_deadline") == 1_084_842
    assert _sum(rows, "resolved_overdue") == 27_069


def test_every_row_is_a_valid_count_and_online_never_exceeds_received():
    rows = tthc.generate_day(7, date(2026, 2, 16), AGENCIES)  # in Tết: tiny volumes stress the caps
    assert len(rows) == len(AGENCIES)
    assert all(r[f] >= 0 for r in rows for f in tthc.FIELDS[2:])


def test_generation_is_deterministic_per_seed():
    day = date(2026, 3, 2)
    assert tthc.generate_day(3, day, AGENCIES) == tthc.generate_day(3, day, AGENCIES)
    assert tthc.generate_day(3, day, AGENCIES) != tthc.generate_day(4, day, AGENCIES)


def test_nothing_exists_before_the_merged_province():
    assert tthc.generate_day(7, date(2025, 6, 30), AGENCIES) == []


def test_api_requires_the_bearer_token(simulator):
    resp = requests.get(f"{simulator.url}/api/v1/tthc/dossier-stats", params={"from": "2026-03-01", "to": "2026-03-01"},
                        timeout=10)
    assert resp.status_code == 401


def test_api_pages_cover_every_row_once(simulator):
    headers = {"Authorization": f"Bearer {simulator.state.token}"}
    url = f"{simulator.url}/api/v1/tthc/dossier-stats?from=2026-03-01&to=2026-03-03&page_size=100"
    seen = []
    while url:
        body = requests.get(url, headers=headers, timeout=10).json()
        seen.extend((r["agency_code"], r["report_date"]) for r in body["data"])
        url = simulator.url + body["links"]["next"] if body["links"]["next"] else None
    assert len(seen) == len(set(seen)) == 3 * len(AGENCIES)
    expected = tthc.FEED.generate_range(simulator.state.seed, date(2026, 3, 1), date(2026, 3, 3), AGENCIES)
    assert seen == [(r["agency_code"], r["report_date"]) for r in expected]


def test_api_rejects_a_bad_date_with_a_clear_message(simulator):
    headers = {"Authorization": f"Bearer {simulator.state.token}"}
    resp = requests.get(f"{simulator.url}/api/v1/tthc/dossier-stats", params={"from": "01/03/2026", "to": "2026-03-01"},
                        headers=headers, timeout=10)
    assert resp.status_code == 400
    assert "'from' must be YYYY-MM-DD" in resp.json()["error"]
