"""Synthetic per-agency, per-month official digital-signature certificates, calibrated to the published stocks.

One row per agency and month: certificates issued, revoked and in use at the month's end ("active"), for
each holder type (organisation, personal) and medium (USB token, SIM PKI, remote signing). The agency
gives the level: provincial units are "cấp tỉnh", the 124 communes "cấp xã". Stocks chain month to month::

    active(m) = active(m - 1) + issued(m) - revoked(m)      (per agency and cell; active(06/2025) = opening)

Summed over the agencies of a level, ``active`` equals every figure of ``STOCKS`` exactly.

Which published figures, and why (the documents contradict each other; inconsistencies.md items 10-11):

* 001:738-748 "tính đến ngày 05/12/2025", in full: 11.453 = tỉnh 4.879 (718 tổ chức + 4.161 cá nhân:
  3.206 token, 402 SIM PKI, 553 ký số tập trung) + xã 6.574 (1.415 tổ chức + 5.159 cá nhân: 4.924 token,
  235 SIM PKI). Every part adds up. A monthly feed has no 05/12, so it is the stock at the end of 11/2025.
* 002:710 ("hiện nay", report of 4/2026, read as the end of 03/2026 like 002's other figures): 14.533 =
  tỉnh 5.492 + xã 9.041; tỉnh 710 tổ chức + 4.782 cá nhân, 4.609 token + 462 SIM PKI + 421 ký số tập trung.
* One reading makes all of the above consistent: organisation certificates are USB tokens. In 001 the media
  split lists personal certificates only; in 002 (tỉnh) it counts every certificate. So personal tokens at
  tỉnh are 4.609 - 710 = 3.899, and 3.899 + 462 + 421 = 4.782 as printed.
* 002:710 xã cannot be reconciled under any reading: 1.777 + 6.498 = 8.275 and 8.159 + 336 + 501 = 8.996,
  not 9.041. We keep the total 9.041 (it makes 14.533), the 1.777 organisation certificates, the 336 SIM PKI
  and the 501 remote-signing accounts, and let personal tokens take the rest: 9.041 - 1.777 - 336 - 501 =
  6.427. Not reproduced: 6.498 personal (ours 7.264) and 8.159 tokens (ours 8.204); those differences are
  left for the reconciliation mart.

The stock on 30/6/2025 (before the merged province) is not published: it is 85 % of the smaller of the two
published stocks of each cell, so every cell's net change since the merger is >= 0 and revocations never
exceed issues. After 03/2026 each cell keeps its average monthly net change of 07/2025-03/2026. Every value is
a pure function of (seed, month).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from extract.sources.signature import SIGNATURE_CERTIFICATE_MONTHLY
from simulator.apportion import apportion, apportion_capped
from simulator.determinism import rng
from simulator.feeds import Agency, Feed
from simulator.tthc import PROVINCE_START

HOLDER_TYPES = ("organisation", "personal")
MEDIA = ("usb_token", "sim_pki", "remote_signing")
CELLS: tuple[tuple[str, str], ...] = tuple((h, m) for h in HOLDER_TYPES for m in MEDIA)
MEASURES = ("issued", "revoked", "active")

FIELDS = SIGNATURE_CERTIFICATE_MONTHLY.column_names

_ORG_TOKEN, _PERSONAL_TOKEN, _PERSONAL_SIM, _PERSONAL_REMOTE = (
    ("organisation", "usb_token"), ("personal", "usb_token"), ("personal", "sim_pki"), ("personal", "remote_signing"))

#: Published stocks at a month's end (keyed by the month's first day): level -> cell -> certificates in use.
STOCKS: dict[date, dict[str, dict[tuple[str, str], int]]] = {
    date(2025, 11, 1): {  # 001:738-748
        "province": {_ORG_TOKEN: 718, _PERSONAL_TOKEN: 3_206, _PERSONAL_SIM: 402, _PERSONAL_REMOTE: 553},
        "commune": {_ORG_TOKEN: 1_415, _PERSONAL_TOKEN: 4_924, _PERSONAL_SIM: 235, _PERSONAL_REMOTE: 0},
    },
    date(2026, 3, 1): {  # 002:710
        "province": {_ORG_TOKEN: 710, _PERSONAL_TOKEN: 4_609 - 710, _PERSONAL_SIM: 462, _PERSONAL_REMOTE: 421},
        "commune": {_ORG_TOKEN: 1_777, _PERSONAL_TOKEN: 9_041 - 1_777 - 336 - 501, _PERSONAL_SIM: 336,
                    _PERSONAL_REMOTE: 501},
    },
}
OPENING_SHARE = 0.85  # stock on 30/6/2025 as a share of each cell's smaller published stock (synthetic)


def month_index(month: date) -> int:
    """Months since the merged province's first month: 07/2025 is 1, 06/2025 (the opening stock) is 0."""
    return (month.year - PROVINCE_START.year) * 12 + month.month - PROVINCE_START.month + 1


_ANCHORS = tuple(month_index(m) for m in sorted(STOCKS))  # (5, 9)


def _cell_weights(seed: int, agencies: tuple[Agency, ...], cell: tuple[str, str]) -> list[float]:
    """Each agency's share of a cell: its staff size times its liking for that holder type and medium."""
    return [rng(seed, "signature-agency", a.code).lognormvariate(0, 0.5)
            * rng(seed, "signature-cell", a.code, *cell).uniform(0.5, 1.5) for a in agencies]


@lru_cache(maxsize=16)
def _anchor_stocks(seed: int, agencies: tuple[Agency, ...]) -> dict[tuple[str, str], list[tuple[int, int, int]]]:
    """cell -> per agency (opening, stock at the end of 11/2025, stock at the end of 03/2026)."""
    first, second = (STOCKS[m] for m in sorted(STOCKS))
    out: dict[tuple[str, str], list[tuple[int, int, int]]] = {cell: [(0, 0, 0)] * len(agencies) for cell in CELLS}
    for level in ("province", "commune"):
        members = [i for i, a in enumerate(agencies) if a.level == level]
        for cell in CELLS:
            a1, a2 = first[level].get(cell, 0), second[level].get(cell, 0)
            weights = _cell_weights(seed, tuple(agencies[i] for i in members), cell)
            s1, s2 = apportion(a1, weights), apportion(a2, weights)
            floors = [min(x, y) for x, y in zip(s1, s2, strict=True)]
            opening = apportion_capped(int(OPENING_SHARE * min(a1, a2)), weights, floors)
            for i, o, x, y in zip(members, opening, s1, s2, strict=True):
                out[cell][i] = (o, x, y)
    return out


def stock_at(index: int, opening: int, first: int, second: int) -> int:
    """Certificates in use at the end of month ``index``: straight lines between the anchors, then the trend."""
    k1, k2 = _ANCHORS
    if index <= k1:
        return opening + round((first - opening) * index / k1)
    if index <= k2:
        return first + round((second - first) * (index - k1) / (k2 - k1))
    return second + round((second - opening) * (index - k2) / k2)


def generate_month(seed: int, month: date, agencies: tuple[Agency, ...]) -> list[dict[str, object]]:
    """One row per agency for the month starting ``month``, ordered by agency code."""
    if month.day != 1:
        raise ValueError(f"signature feed: a month starts on its first day, got {month}")
    index = month_index(month)
    if index < 1:
        return []
    anchors = _anchor_stocks(seed, agencies)
    rows = []
    for i, agency in enumerate(agencies):
        churn = rng(seed, "signature-churn", agency.code, month)
        row: dict[str, object] = {"agency_code": agency.code, "report_month": month.isoformat()}
        for holder, medium in CELLS:
            before, after = (stock_at(k, *anchors[(holder, medium)][i]) for k in (index - 1, index))
            revoked = max(round(before * churn.uniform(0.0, 0.012)), before - after)
            row[f"issued_{holder}_{medium}"] = after - before + revoked
            row[f"revoked_{holder}_{medium}"] = revoked
            row[f"active_{holder}_{medium}"] = after
        rows.append(row)
    return rows


FEED = Feed(SIGNATURE_CERTIFICATE_MONTHLY, generate_month)
