"""Describe the exports as a DCAT catalogue in JSON-LD (the base of DCAT-VN), with every Dublin Core element of
Thông tư 24/2011/TT-BTTTT: title, creator, date, description, publisher, identifier, language, source,
contributor, subject, and coverage, type, format, relation and rights."""

from __future__ import annotations

from publish.catalogue import FREQUENCIES, LICENSES, PORTAL_URL, Agency, Catalogue, Dataset
from publish.dbt_docs import Bilingual
from publish.writers import FORMATS

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
LANGUAGES = [{"@id": "http://id.loc.gov/vocabulary/iso639-1/vi"}, {"@id": "http://id.loc.gov/vocabulary/iso639-1/en"}]
_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
_PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"


def catalogue_document(catalogue: Catalogue, published: dict[str, dict], datapackage_path: str) -> dict:
    """The JSON-LD document; ``published`` maps a dataset code to its manifest entry (files, dates)."""
    modified = max(entry["modified"] for entry in published.values())
    return {
        "@context": CONTEXT,
        "@id": PORTAL_URL,
        "@type": "dcat:Catalog",
        "dct:title": _text(Bilingual("Dữ liệu mở chuyển đổi số tỉnh Lâm Đồng",
                                     "Lâm Đồng digital-government open data")),
        "dct:description": _text(Bilingual(
            "Các tập dữ liệu tổng hợp về thủ tục hành chính, định danh điện tử và chữ ký số của tỉnh Lâm Đồng.",
            "Aggregated datasets on administrative procedures, electronic identification and digital signatures"
            " in Lâm Đồng province.")),
        "dct:publisher": _organisation(catalogue.publisher),
        "dct:language": LANGUAGES,
        "dct:modified": _datetime(modified),
        "foaf:homepage": {"@id": PORTAL_URL},
        "dcat:dataset": [_dataset(ds, published[ds.code], datapackage_path) for ds in catalogue.datasets],
    }


def _dataset(ds: Dataset, entry: dict, datapackage_path: str) -> dict:
    licence = {"@id": LICENSES[ds.license_id][0]}
    return {
        "@id": ds.uri,
        "@type": "dcat:Dataset",
        "dct:identifier": ds.code,
        "dct:title": _text(ds.title),
        "dct:description": _text(ds.description),
        "dct:creator": _organisation(ds.creator),
        "dct:publisher": _organisation(ds.publisher),
        "dct:contributor": _organisation(ds.contributor),
        "dct:issued": _datetime(entry["issued"]),
        "dct:modified": _datetime(entry["modified"]),
        "dct:language": LANGUAGES,
        "dct:source": {"dct:title": f"marts.{ds.source_model}", "dct:description": _text(ds.source)},
        "dct:subject": _text(ds.topic),
        "dcat:theme": {"@type": "skos:Concept", "skos:prefLabel": _text(ds.topic)},
        "dcat:keyword": [{"@value": k, "@language": "vi"} for k in ds.keywords],
        "dct:temporal": _period(ds),
        "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": {"@value": ds.spatial, "@language": "vi"}},
        "dct:accrualPeriodicity": {"@id": _FREQUENCY + FREQUENCIES[ds.update_frequency][0]},
        "dct:type": {"@id": "dcmitype:Dataset"},
        "dct:license": licence,
        "dct:accessRights": {"@id": _PUBLIC},
        "dct:rights": _text(Bilingual(f"Giấy phép {ds.license_id}", f"Licence {ds.license_id}")),
        "dct:relation": {"@id": datapackage_path},
        "dcat:distribution": [_distribution(ext, f, licence, entry) for ext, f in entry["files"].items()],
    }


def _distribution(ext: str, file: dict, licence: dict, entry: dict) -> dict:
    fmt = FORMATS[ext]
    return {
        "@id": file["path"],
        "@type": "dcat:Distribution",
        "dct:title": _text(fmt.title),
        "dcat:downloadURL": {"@id": file["path"]},
        "dcat:accessURL": {"@id": file["path"]},
        "dct:format": {"@id": _FILE_TYPE + fmt.label},
        "dcat:mediaType": {"@id": _MEDIA_TYPE + fmt.mediatype},
        "dcat:byteSize": {"@value": str(file["bytes"]), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": file["sha256"],
        },
        "dct:license": licence,
        "dct:modified": _datetime(entry["modified"]),
    }


def _organisation(agency: Agency) -> dict:
    org: dict = {"@type": "foaf:Organization", "foaf:name": _text(agency.name)}
    if agency.code:
        org["dct:identifier"] = agency.code
    return org


def _period(ds: Dataset) -> dict:
    period: dict = {"@type": "dct:PeriodOfTime"}
    if ds.temporal_start:
        period["dcat:startDate"] = {"@value": ds.temporal_start.isoformat(), "@type": "xsd:date"}
    if ds.temporal_end:
        period["dcat:endDate"] = {"@value": ds.temporal_end.isoformat(), "@type": "xsd:date"}
    return period


def _text(text: Bilingual) -> list[dict]:
    values = [{"@value": text.vi, "@language": "vi"}]
    if text.en and text.en != text.vi:
        values.append({"@value": text.en, "@language": "en"})
    return values


def _datetime(value: str) -> dict:
    return {"@value": value, "@type": "xsd:dateTime"}
