"""Registry of the sources chiso extracts; adding a source means adding one module here."""

from __future__ import annotations

from extract.sources.base import SourceSpec
from extract.sources.edoc import EDOC_DOCUMENT_MONTHLY
from extract.sources.signature import SIGNATURE_CERTIFICATE_MONTHLY
from extract.sources.tthc import TTHC_DOSSIER_DAILY, TTHC_SERVICE_CATALOGUE
from extract.sources.vneid import VNEID_DAILY

SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for spec in (TTHC_DOSSIER_DAILY, TTHC_SERVICE_CATALOGUE, VNEID_DAILY, SIGNATURE_CERTIFICATE_MONTHLY,
                 EDOC_DOCUMENT_MONTHLY)
}


def get_source(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known sources: {', '.join(sorted(SOURCES))}") from None
