"""Registry of the sources chiso extracts; adding a source means adding one module here."""

from __future__ import annotations

from extract.sources.base import SourceSpec
from extract.sources.tthc import TTHC_DOSSIER_DAILY

SOURCES: dict[str, SourceSpec] = {spec.name: spec for spec in (TTHC_DOSSIER_DAILY,)}


def get_source(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known sources: {', '.join(sorted(SOURCES))}") from None
