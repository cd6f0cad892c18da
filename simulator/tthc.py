"""Synthetic per-agency, per-day TTHC dossier statistics, calibrated to the province's published totals.

Summed over agencies and days of a calibration window, the generated counts equal the figures the
province published for that window exactly (see ``CALIBRATION``). Outside those windows each calendar
quarter gets the daily volume of Q1/2026. Every value is a pure function of (seed, day), so a page
served twice, or a day regenerated in a test, is identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from extract.sources.tthc import TTHC_DOSSIER_DAILY
from simulator.apportion import apportion, apportion_capped
from simulator.calendar import day_weight
from simulator.determinism import rng
from simulator.feeds import Agency, Feed

#: The merged province exists from this day; nothing is generated before it.
PROVINCE_START = date(2025, 7, 1)

FIELDS = TTHC_DOSSIER_DAILY.column_names


@dataclass(frozen=True)
class Window:
    """A span of days whose summed counts are fixed in advance."""

    start: date
    end: date
    received: int
    online: int
    resolved_in_time: int  # early + on deadline ("trước hạn và đúng hạn")
    overdue: int
    provenance: str

    def days(self) -> list[date]:
        return [self.start + timedelta(n) for n in range((self.end - self.start).days + 1)]


#: Published totals (002 = self-inspection report 4/2026). H2/2025 is the cumulative figure since
#: 01/7/2025 (002:776) minus Q1/2026 (002:775); online H2/2025 is printed directly (691.600, 002:776).
CALIBRATION: tuple[Window, ...] = (
    Window(date(2025, 7, 1), date(2025, 12, 31), 851_400, 691_600, 791_710, 14_490,
           "002:776 lũy kế 01/7/2025-31/3/2026 trừ Quý I/2026 (002:775)"),
    Window(date(2026, 1, 1), date(2026, 3, 31), 339_133, 257_942, 293_132, 12_579,
           "002:775 Quý I/2026"),
)

def window_for(day: date) -> Window:
    """The calibration window holding ``day``, else its calendar quarter at the Q1/2026 daily rate."""
    for window in CALIBRATION:
        if window.start <= day <= window.end:
            return window
    q_start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    q_end = (date(q_start.year + (q_start.month + 2) // 12, (q_start.month + 2) % 12 + 1, 1)
             - timedelta(1))
    base = CALIBRATION[-1]
    scale = ((q_end - q_start).days + 1) / ((base.end - base.start).days + 1)
    return Window(q_start, q_end, round(base.received * scale), round(base.online * scale),
                  round(base.resolved_in_time * scale), round(base.overdue * scale),
                  "synthetic: Q1/2026 daily rate")


@lru_cache(maxsize=64)
def _daily_totals(seed: int, window: Window) -> dict[date, tuple[int, int, int, int]]:
    days = window.days()
    weights = [day_weight(seed, d) for d in days]
    received = apportion(window.received, weights)
    online = apportion_capped(window.online, received, received)
    in_time = apportion(window.resolved_in_time, weights)
    overdue = apportion(window.overdue, weights)
    return {d: (received[i], online[i], in_time[i], overdue[i]) for i, d in enumerate(days)}


def _agency_traits(seed: int, agency: Agency) -> tuple[float, float, float, float]:
    """(volume, online propensity, punctuality, early share) for one agency, fixed for all days."""
    r = rng(seed, "agency", agency.code)
    if agency.level == "commune":
        return r.lognormvariate(0, 0.45), r.uniform(0.80, 0.97), r.uniform(0.93, 0.995), r.uniform(0.5, 0.85)
    return r.lognormvariate(1.6, 0.6), r.uniform(0.55, 0.85), r.uniform(0.88, 0.99), r.uniform(0.4, 0.8)


def generate_day(seed: int, day: date, agencies: tuple[Agency, ...]) -> list[dict[str, object]]:
    """One row per agency for ``day``, ordered by agency code."""
    if day < PROVINCE_START:
        return []
    received_day, online_day, in_time_day, overdue_day = _daily_totals(seed, window_for(day))[day]
    traits = [_agency_traits(seed, a) for a in agencies]
    noise = [rng(seed, "cell", a.code, day).uniform(0.7, 1.3) for a in agencies]
    received = apportion(received_day, [t[0] * n for t, n in zip(traits, noise, strict=True)])
    online = apportion_capped(online_day, [r * t[1] for r, t in zip(received, traits, strict=True)], received)
    in_time = apportion(in_time_day, [r * t[2] + 1e-6 for r, t in zip(received, traits, strict=True)])
    overdue = apportion(overdue_day, [r * (1 - t[2]) + 1e-6 for r, t in zip(received, traits, strict=True)])
    rows = []
    for i, agency in enumerate(agencies):
        early = round(in_time[i] * traits[i][3])
        rows.append({
            "agency_code": agency.code,
            "report_date": day.isoformat(),
            "received_online": online[i],
            "received_direct": received[i] - online[i],
            "resolved_early": early,
            "resolved_on_deadline": in_time[i] - early,
            "resolved_overdue": overdue[i],
        })
    return rows



FEED = Feed(TTHC_DOSSIER_DAILY, generate_day)
