"""Synthetic per-agency, per-month catalogue of administrative procedures and online public services.

A snapshot at each month end of how many procedures (TTHC) an agency handles and how many of them are
offered as full-process (toàn trình) or partial (một phần) online public services, calibrated to Phụ lục V
of the report of 19/6/2026 (000:112, 000:119):

* province level: 1.600 procedures = 698 full-process + 902 partial, split over the provincial agencies
  that receive dossiers, so the province level is the SUM over those agencies;
* commune level: 377 procedures = 143 full-process + 234 partial, one catalogue that applies to every
  xã, phường and đặc khu, so the commune level is the catalogue of ANY commune (never a sum over 124).

Phụ lục V counts only procedures with an online service (1.600 = 698 + 902), so in-person-only is 0 here;
002:773 reports another catalogue (2.205 = 826 + 1.199 + 180 at ~04/2026), left for reconciliation.
The catalogue is the same every month. Every value is a pure function of (seed, month).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from extract.sources.tthc import TTHC_SERVICE_CATALOGUE
from simulator.apportion import apportion, apportion_capped
from simulator.determinism import rng
from simulator.feeds import Agency, Feed

FIELDS = TTHC_SERVICE_CATALOGUE.column_names

PROVINCE_LEVEL = (1_600, 698, 902)  # 000:112, 000:119
COMMUNE_LEVEL = (377, 143, 234)  # 000:112, 000:119


@lru_cache(maxsize=8)
def _province_split(seed: int, agencies: tuple[Agency, ...]) -> dict[str, tuple[int, int, int]]:
    """Each provincial agency's share of the provincial catalogue (total, full-process, partial)."""
    total, full, _partial = PROVINCE_LEVEL
    weights = [rng(seed, "catalogue", a.code).lognormvariate(0, 0.6) for a in agencies]
    totals = apportion(total, weights)
    shares = [rng(seed, "full-share", a.code).uniform(0.25, 0.65) for a in agencies]
    fulls = apportion_capped(full, [t * s for t, s in zip(totals, shares, strict=True)], totals)
    return {a.code: (t, f, t - f) for a, t, f in zip(agencies, totals, fulls, strict=True)}


def generate_month(seed: int, month: date, agencies: tuple[Agency, ...]) -> list[dict[str, object]]:
    """One row per agency for the catalogue at the end of ``month`` (given as its first day)."""
    provincial = tuple(a for a in agencies if a.level == "province")
    split = _province_split(seed, provincial)
    rows = []
    for agency in agencies:
        total, full, partial = split[agency.code] if agency.level == "province" else COMMUNE_LEVEL
        rows.append({"agency_code": agency.code, "report_month": month.isoformat(), "tthc_count": total,
                     "dvctt_full_count": full, "dvctt_partial_count": partial,
                     "in_person_only_count": total - full - partial})
    return rows


FEED = Feed(TTHC_SERVICE_CATALOGUE, generate_month)
