"""Synthetic online payments of TTHC fees per agency and day, calibrated to the province's published figure.

002:310: "Trong kỳ báo cáo, tỉnh phát sinh 552.693 giao dịch thanh toán trực tuyến, đạt tỷ lệ 92,94%". The report
period is read as 01/7/2025-31/12/2025, as ``seeds/published_figures.csv`` (obs0144, obs0145) reads it, so the
online payments of that window sum to 552.693 exactly. The report gives no count of fee dossiers: 594.677 is the
smallest count for which 552.693 / count gives 92,94 % both rounded and truncated (derived, synthetic).

Fee dossiers are a share of each day's received dossiers of the TTHC feed (the same generator, so no agency has
more fee dossiers than dossiers), and payments a share of the fee dossiers; outside the window the same shares
apply (synthetic). Every value is a pure function of (seed, day).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from extract.sources.payment import TTHC_PAYMENT_DAILY
from simulator import tthc
from simulator.apportion import apportion_capped
from simulator.determinism import rng
from simulator.feeds import Agency, Feed

WINDOW_START, WINDOW_END = date(2025, 7, 1), date(2025, 12, 31)
ONLINE_PAYMENTS = 552_693  # 002:310
FEE_DOSSIERS = 594_677  # derived: 552.693 / 594.677 = 92,940 %

FIELDS = TTHC_PAYMENT_DAILY.column_names


@lru_cache(maxsize=64)
def _daily_totals(seed: int, window: tthc.Window) -> dict[date, tuple[int, int]]:
    """(fee dossiers, online payments) per day of a TTHC window, province-wide."""
    received = tthc._daily_totals(seed, window)
    days = sorted(received)
    received_by_day = [received[d][0] for d in days]
    calibrated = (window.start, window.end) == (WINDOW_START, WINDOW_END)
    fee_total = FEE_DOSSIERS if calibrated else round(window.received * FEE_DOSSIERS / _window_received(seed))
    paid_total = ONLINE_PAYMENTS if calibrated else round(fee_total * ONLINE_PAYMENTS / FEE_DOSSIERS)
    fees = apportion_capped(fee_total, received_by_day, received_by_day)
    paid = apportion_capped(paid_total, fees, fees)
    return {d: (fees[i], paid[i]) for i, d in enumerate(days)}


def _window_received(seed: int) -> int:
    window = tthc.window_for(WINDOW_START)
    return sum(v[0] for v in tthc._daily_totals(seed, window).values())


def generate_day(seed: int, day: date, agencies: tuple[Agency, ...]) -> list[dict[str, object]]:
    """One row per agency for ``day``, ordered by agency code."""
    if day < tthc.PROVINCE_START:
        return []
    fee_day, paid_day = _daily_totals(seed, tthc.window_for(day))[day]
    received = [r["received_online"] + r["received_direct"] for r in tthc.generate_day(seed, day, agencies)]
    traits = [rng(seed, "payment-agency", a.code) for a in agencies]
    fee_share = [t.uniform(0.5, 0.9) for t in traits]
    online_propensity = [t.uniform(0.85, 1.0) for t in traits]
    fees = apportion_capped(fee_day, [r * s for r, s in zip(received, fee_share, strict=True)], received)
    paid = apportion_capped(paid_day, [f * p for f, p in zip(fees, online_propensity, strict=True)], fees)
    return [{"agency_code": a.code, "report_date": day.isoformat(), "fee_dossiers": fees[i],
             "online_payments": paid[i]} for i, a in enumerate(agencies)]


FEED = Feed(TTHC_PAYMENT_DAILY, generate_day)
