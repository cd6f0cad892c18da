"""Seeded randomness: every simulated value is a pure function of the seed and what it describes."""

from __future__ import annotations

import hashlib
import random


def rng(*parts: object) -> random.Random:
    """A generator seeded by ``parts`` (e.g. seed, "agency", code): same parts, same numbers."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))
