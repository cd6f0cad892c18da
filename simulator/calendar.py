"""The working calendar every simulated feed shares: weekdays, weekends, public holidays and Tết."""

from __future__ import annotations

from datetime import date, timedelta

from simulator.determinism import rng

_HOLIDAYS = {
    date(2025, 9, 1), date(2025, 9, 2), date(2026, 1, 1),
    *(date(2026, 2, 14) + timedelta(n) for n in range(9)),  # Tết Bính Ngọ
    date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1),
}


def day_weight(seed: int, day: date) -> float:
    """Relative activity of a day: weekdays 1, Saturday 0.35, Sunday and holidays near 0, with noise."""
    base = 0.08 if day in _HOLIDAYS else (1.0, 1.0, 1.0, 1.0, 1.0, 0.35, 0.05)[day.weekday()]
    return base * rng(seed, "day", day).uniform(0.85, 1.15)
