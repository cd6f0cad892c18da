"""Synthetic per-commune, per-day VNeID statistics (ID cards, e-ID accounts), calibrated to the published stocks.

The police publish cumulative stocks ("lũy kế", counted since the programme began, long before the
merger), while the feed serves daily flows from 01/7/2025. Each row therefore also carries the
commune's running stocks, which start from an opening balance for 30/6/2025. The identity is::

    cumulative_<x> on day D = opening balance + sum of <x> over 01/7/2025..D      (per commune)

so the province's stock on day D is ``sum(cumulative_<x>) where report_date = D`` over the 124 communes,
and it equals the published figure exactly on each date in ``PUBLISHED``.

``cumulative_activations`` counts level-1 and level-2 accounts together ("kích hoạt ... tài khoản",
002:909, with no split by level); the daily split into level 1 and level 2 is synthetic. Activations
never exceed applications, per commune and cumulatively. Every value is a pure function of (seed, day).

Dates read into the documents: 001 is undated; its "Đến nay" (001:804) is read as 05/12/2025, the
latest date it cites (published_figures.csv:66-69). 002:909 is read as 31/3/2026, the cut-off of 002's
other figures (002:741, 775, 776); published_figures.csv:193-195 reads it as 16/4/2026 instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from extract.sources.vneid import VNEID_DAILY
from simulator.apportion import apportion, apportion_capped
from simulator.calendar import day_weight
from simulator.determinism import rng
from simulator.feeds import Agency, Feed
from simulator.tthc import PROVINCE_START

FIELDS = VNEID_DAILY.column_names


@dataclass(frozen=True)
class Counts:
    """ID-card applications, e-ID applications and activated e-ID accounts (a stock or a flow)."""

    id_card: int
    eid: int
    activations: int

    def __sub__(self, other: Counts) -> Counts:
        return Counts(self.id_card - other.id_card, self.eid - other.eid, self.activations - other.activations)

    def scaled(self, factor: float) -> Counts:
        return Counts(round(self.id_card * factor), round(self.eid * factor), round(self.activations * factor))

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.id_card, self.eid, self.activations)


@dataclass(frozen=True)
class Window:
    """A span of days whose summed flows are fixed in advance."""

    start: date
    end: date
    flows: Counts
    provenance: str

    def days(self) -> list[date]:
        return [self.start + timedelta(n) for n in range((self.end - self.start).days + 1)]


#: Published province-wide stocks at the end of a day.
PUBLISHED: dict[date, Counts] = {
    # 001:804-808 "toàn tỉnh đã thu nhận 3.861.824 lượt hồ sơ cấp căn cước ...; 2.775.718 tài khoản định danh
    # điện tử, kích hoạt 2.202.278 tài khoản"
    date(2025, 12, 5): Counts(3_861_824, 2_775_718, 2_202_278),
    # 002:909 "thu nhận 3.999.830 lượt hồ sơ cấp căn cước ...; thu nhận 2.891.016 hồ sơ cấp tài khoản định danh
    # điện tử, kích hoạt 2.228.763 tài khoản (đạt tỷ lệ 77,1%)"
    date(2026, 3, 31): Counts(3_999_830, 2_891_016, 2_228_763),
}

_BETWEEN = Window(date(2025, 12, 6), date(2026, 3, 31), PUBLISHED[date(2026, 3, 31)] - PUBLISHED[date(2025, 12, 5)],
                  "002:909 minus 001:804-808")


def _at_published_rate(start: date, end: date) -> Window:
    """A window whose flows run at the daily rate between the two published stocks (synthetic)."""
    scale = ((end - start).days + 1) / len(_BETWEEN.days())
    return Window(start, end, _BETWEEN.flows.scaled(scale), "synthetic: daily rate of 06/12/2025-31/3/2026")


#: 01/7-05/12/2025 is not published on its own: it runs at the rate of the published span after it.
CALIBRATION: tuple[Window, ...] = (_at_published_rate(PROVINCE_START, date(2025, 12, 5)), _BETWEEN)

#: The stock on 30/6/2025 that the cumulative columns start from: 05/12/2025's stock less the flows before it.
OPENING_BALANCE = PUBLISHED[date(2025, 12, 5)] - CALIBRATION[0].flows


def _quarter(day: date) -> tuple[date, date]:
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = date(start.year + start.month // 10, (start.month + 2) % 12 + 1, 1)
    return start, following - timedelta(1)


def window_for(day: date) -> Window:
    """The calibration window holding ``day``, else its calendar quarter at the 06/12/2025-31/3/2026 daily rate."""
    for window in CALIBRATION:
        if window.start <= day <= window.end:
            return window
    return _at_published_rate(*_quarter(day))


def _commune_traits(seed: int, agency: Agency) -> tuple[float, float]:
    """(population weight, share of activations at level 2) for one commune, fixed for all days."""
    r = rng(seed, "vneid-commune", agency.code)
    return r.lognormvariate(0, 0.5), r.uniform(0.70, 0.95)


@lru_cache(maxsize=8)
def _opening(seed: int, agencies: tuple[Agency, ...]) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Each commune's stock on 30/6/2025: (ID-card applications, e-ID applications, activations)."""
    weights = [_commune_traits(seed, a)[0] for a in agencies]
    eid = apportion(OPENING_BALANCE.eid, weights)
    activations = apportion_capped(OPENING_BALANCE.activations, eid, eid)
    return tuple(apportion(OPENING_BALANCE.id_card, weights)), tuple(eid), tuple(activations)


@lru_cache(maxsize=32)
def _window_flows(seed: int, window: Window, agencies: tuple[Agency, ...]) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """Daily flows of the window: [measure][commune] -> one value per day (measures in ``Counts`` order)."""
    days = window.days()
    day_weights = [day_weight(seed, d) for d in days]
    flows = []
    for measure, total in zip(("id_card", "eid", "activations"), window.flows.as_tuple(), strict=True):
        noise = [rng(seed, "vneid-window", measure, a.code, window.start).uniform(0.8, 1.2) for a in agencies]
        per_commune = apportion(total, [_commune_traits(seed, a)[0] * n for a, n in zip(agencies, noise, strict=True)])
        flows.append(tuple(tuple(apportion(n, _daily_weights(seed, measure, a, day_weights, window)))
                           for n, a in zip(per_commune, agencies, strict=True)))
    return tuple(flows)


def _daily_weights(seed: int, measure: str, agency: Agency, day_weights: list[float], window: Window) -> list[float]:
    r = rng(seed, "vneid-days", measure, agency.code, window.start)
    return [w * r.uniform(0.6, 1.4) for w in day_weights]


@lru_cache(maxsize=32)
def _stocks_before(seed: int, window: Window, agencies: tuple[Agency, ...]) -> tuple[tuple[int, ...], ...]:
    """Each commune's stocks at the end of the day before ``window`` starts: [measure][commune]."""
    stocks = [list(values) for values in _opening(seed, agencies)]
    earlier = window_for(PROVINCE_START)
    while earlier.start < window.start:
        for m, per_commune in enumerate(_window_flows(seed, earlier, agencies)):
            for c, daily in enumerate(per_commune):
                stocks[m][c] += sum(daily)
        earlier = window_for(earlier.end + timedelta(1))
    return tuple(tuple(values) for values in stocks)


def generate_day(seed: int, day: date, agencies: tuple[Agency, ...]) -> list[dict[str, object]]:
    """One row per commune for ``day``, ordered by agency code."""
    if day < PROVINCE_START:
        return []
    window = window_for(day)
    index = (day - window.start).days
    flows = _window_flows(seed, window, agencies)
    before = _stocks_before(seed, window, agencies)
    rows = []
    for c, agency in enumerate(agencies):
        id_card, eid, activations = (flows[m][c][index] for m in range(3))
        stock = [before[m][c] + sum(flows[m][c][: index + 1]) for m in range(3)]
        level2 = round(activations * _commune_traits(seed, agency)[1])
        rows.append({
            "agency_code": agency.code,
            "report_date": day.isoformat(),
            "id_card_applications": id_card,
            "eid_applications": eid,
            "level1_activations": activations - level2,
            "level2_activations": level2,
            "cumulative_id_card_applications": stock[0],
            "cumulative_eid_applications": stock[1],
            "cumulative_activations": stock[2],
        })
    return rows



FEED = Feed(VNEID_DAILY, generate_day)
