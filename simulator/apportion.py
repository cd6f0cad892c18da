"""Split an integer total over weighted cells exactly (largest remainder), optionally under per-cell caps."""

from __future__ import annotations

from collections.abc import Sequence


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Return non-negative integers proportional to ``weights`` that sum exactly to ``total``.

    Ties in the remainders are broken by position so the result is deterministic.
    """
    if total < 0:
        raise ValueError(f"cannot apportion a negative total ({total})")
    weight_sum = float(sum(weights))
    if total == 0 or not weights:
        return [0] * len(weights)
    if weight_sum <= 0:
        raise ValueError(f"cannot apportion {total} over weights that sum to {weight_sum}")
    quotas = [total * w / weight_sum for w in weights]
    shares = [int(q) for q in quotas]
    short = total - sum(shares)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in by_remainder[:short]:
        shares[i] += 1
    return shares


def apportion_capped(total: int, weights: Sequence[float], caps: Sequence[int]) -> list[int]:
    """Like :func:`apportion`, but no cell exceeds its cap; the excess moves to cells with room."""
    if total > sum(caps):
        raise ValueError(f"total {total} exceeds the sum of caps {sum(caps)}")
    result = [0] * len(weights)
    remaining = total
    open_cells = [i for i, cap in enumerate(caps) if cap > 0]
    while remaining > 0:
        open_weights = [max(weights[i], 1e-9) for i in open_cells]
        shares = apportion(remaining, open_weights)
        remaining = 0
        still_open = []
        for i, share in zip(open_cells, shares, strict=True):
            room = caps[i] - result[i]
            take = min(share, room)
            result[i] += take
            remaining += share - take
            if result[i] < caps[i]:
                still_open.append(i)
        open_cells = still_open
    return result
