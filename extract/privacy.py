"""Personal data never reaches raw: fields a feed declares personal are dropped, identifiers are replaced by a keyed
hash (HMAC-SHA256), before the loader sees a row."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator

from extract.sources.base import SourceSpec


def pseudonym(value: object, key: bytes) -> str:
    """The keyed hash of an identifier: the same person gets the same key, and nobody without ``key`` can tell who."""
    return hmac.new(key, str(value).strip().encode(), hashlib.sha256).hexdigest()


def protect(rows: Iterable[dict[str, object]], spec: SourceSpec, key: bytes | None) -> Iterator[dict[str, object]]:
    """``rows`` without the feed's personal fields, each pseudonymised field replaced by its keyed hash.

    Without a key (``CHISO_PSEUDONYM_KEY`` unset) identifiers are dropped too and the hashed column stays empty.
    A feed that declares nothing personal passes through unchanged.
    """
    if not (spec.personal or spec.pseudonymised):
        yield from rows
        return
    personal = set(spec.personal)
    for row in rows:
        clean = {k: v for k, v in row.items() if k not in personal}
        for sent, column in spec.pseudonymised:
            value = clean.pop(sent, None)
            clean[column] = pseudonym(value, key) if key and value not in (None, "") else None
        yield clean
