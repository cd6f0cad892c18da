"""Synthetic per-agency, per-month counts from the document-management system, calibrated to the published totals.

One row per agency and month: documents received (văn bản đến), documents issued (văn bản đi) and, of
those issued, the ones signed with an official digital signature. Calibration:

* 002:750: "tổng số văn bản đến toàn hệ thống đến thời điểm báo cáo là 3.366.973 văn bản, tổng số văn bản
  đi là 460.138 văn bản". The province-wide system runs since the merger, so these are the sums over
  07/2025-03/2026 (the report's cut-off, as for 002:741 and 002:775); the start is our reading, the
  report gives none.
* 002:741: "Từ ngày 01/01/2026 đến 31/3/2026, tỷ lệ văn bản điện tử được ký số trên toàn hệ thống đạt
  93,65%". Each month's province-wide signed count is 93,65 % of the month's issued documents, rounded
  up, so Q1/2026 gives 93,65 % whether the rate is truncated (as the report does) or rounded. Outside
  Q1/2026 the same rate is synthetic.

Months are weighted by working days (holidays and Tết weigh less); months after 03/2026 run at the average
per working day of 07/2025-03/2026. Every value is a pure function of (seed, month).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from extract.sources.edoc import EDOC_DOCUMENT_MONTHLY
from simulator.apportion import apportion, apportion_capped
from simulator.calendar import day_weight
from simulator.determinism import rng
from simulator.feeds import Agency, Feed
from simulator.signature import month_index

FIELDS = EDOC_DOCUMENT_MONTHLY.column_names

#: 002:750, summed over the months 1..9 (07/2025-03/2026)
CALIBRATION_MONTHS = 9
RECEIVED_TOTAL = 3_366_973
ISSUED_TOTAL = 460_138
#: 002:741, as a fraction (per ten thousand) so that the arithmetic stays exact
SIGNED_PER_10000 = 9_365


def _month_start(index: int) -> date:
    """The first day of month ``index`` (1 = 07/2025), the inverse of ``month_index``."""
    months = 6 + index  # 07/2025 is the 7th month of 2025
    return date(2025 + (months - 1) // 12, (months - 1) % 12 + 1, 1)


def _month_weight(seed: int, index: int) -> float:
    first = _month_start(index)
    following = _month_start(index + 1)
    return sum(day_weight(seed, first + timedelta(n)) for n in range((following - first).days))


@lru_cache(maxsize=8)
def _calibrated_months(seed: int) -> tuple[tuple[float, ...], tuple[int, ...], tuple[int, ...]]:
    """(weights, received, issued) of months 1..9, province-wide; the counts sum to the published totals."""
    weights = tuple(_month_weight(seed, k) for k in range(1, CALIBRATION_MONTHS + 1))
    return weights, tuple(apportion(RECEIVED_TOTAL, weights)), tuple(apportion(ISSUED_TOTAL, weights))


def province_month(seed: int, index: int) -> tuple[int, int, int]:
    """Province-wide (received, issued, signed) for month ``index``."""
    weights, received, issued = _calibrated_months(seed)
    if index <= CALIBRATION_MONTHS:
        month_received, month_issued = received[index - 1], issued[index - 1]
    else:
        scale = _month_weight(seed, index) / sum(weights)
        month_received, month_issued = round(RECEIVED_TOTAL * scale), round(ISSUED_TOTAL * scale)
    signed = -(-month_issued * SIGNED_PER_10000 // 10_000)  # ceiling: 93,65 % truncates and rounds to 93,65 %
    return month_received, month_issued, signed


def _agency_traits(seed: int, agency: Agency) -> tuple[float, float]:
    """(document volume, signing propensity) for one agency, fixed for all months."""
    r = rng(seed, "edoc-agency", agency.code)
    volume = r.lognormvariate(1.0, 0.5) if agency.level == "province" else r.lognormvariate(0, 0.4)
    return volume, r.uniform(0.85, 1.0)


def generate_month(seed: int, month: date, agencies: tuple[Agency, ...]) -> list[dict[str, object]]:
    """One row per agency for the month starting ``month``, ordered by agency code."""
    if month.day != 1:
        raise ValueError(f"edoc feed: a month starts on its first day, got {month}")
    index = month_index(month)
    if index < 1:
        return []
    received_month, issued_month, signed_month = province_month(seed, index)
    traits = [_agency_traits(seed, a) for a in agencies]
    noise = [rng(seed, "edoc-cell", a.code, month) for a in agencies]
    received = apportion(received_month, [t[0] * n.uniform(0.8, 1.2) for t, n in zip(traits, noise, strict=True)])
    issued = apportion(issued_month, [t[0] * n.uniform(0.8, 1.2) for t, n in zip(traits, noise, strict=True)])
    signed = apportion_capped(signed_month, [i * t[1] for i, t in zip(issued, traits, strict=True)], issued)
    return [
        {"agency_code": a.code, "report_month": month.isoformat(), "documents_received": received[i],
         "documents_issued": issued[i], "documents_signed": signed[i]}
        for i, a in enumerate(agencies)
    ]


FEED = Feed(EDOC_DOCUMENT_MONTHLY, generate_month)
