"""Describe the CSV exports as one Frictionless Data Package (datapackage.json with a Table Schema per file)."""

from __future__ import annotations

from frictionless import Package

from publish.catalogue import LICENSES, Catalogue, Dataset, Field

PACKAGE_NAME = "lam-dong-digital-government-statistics"


class DataPackageError(ValueError):
    """The descriptor does not satisfy the Data Package / Table Schema specifications."""


def descriptor(catalogue: Catalogue, published: dict[str, dict]) -> dict:
    """The package descriptor, checked against the specification by frictionless before it is written."""
    document = _package(catalogue, published)
    report = Package.validate_descriptor(document)
    if not report.valid:
        raise DataPackageError(f"datapackage.json would be invalid: {report.flatten(['type', 'message'])[:5]}")
    return document


def _package(catalogue: Catalogue, published: dict[str, dict]) -> dict:
    """``published`` maps a dataset code to its manifest entry (files, dates)."""
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "Chỉ số chuyển đổi số tỉnh Lâm Đồng / Lâm Đồng digital-government statistics",
        "description": "Dữ liệu mở tổng hợp từ kho dữ liệu chiso. / Open data aggregated by the chiso warehouse.",
        "homepage": "https://data.lamdong.gov.vn",
        "licenses": _licenses(sorted({ds.license_id for ds in catalogue.datasets})),
        "contributors": [
            {"title": catalogue.publisher.name.vi, "role": "publisher"},
            {"title": catalogue.contributor.name.vi, "role": "contributor"},
        ],
        "keywords": sorted({k for ds in catalogue.datasets for k in ds.keywords}),
        "resources": [_resource(ds, published[ds.code]) for ds in catalogue.datasets],
    }


def _licenses(ids: list[str]) -> list[dict]:
    return [{"name": i, "path": LICENSES[i][0], "title": LICENSES[i][1]} for i in ids]


def _resource(ds: Dataset, entry: dict) -> dict:
    csv = entry["files"]["csv"]
    return {
        "name": ds.ckan_name,
        "path": csv["path"],
        "profile": "tabular-data-resource",
        "title": f"{ds.title.vi} / {ds.title.en}",
        "description": f"{ds.description.vi} / {ds.description.en}",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",
        "bytes": csv["bytes"],
        "hash": f"sha256:{csv['sha256']}",
        "licenses": _licenses([ds.license_id]),
        "sources": [{"title": f"marts.{ds.source_model}", "path": ds.uri}],
        "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
        "schema": _schema(ds),
    }


def _schema(ds: Dataset) -> dict:
    schema: dict = {"fields": [_field(f) for f in ds.fields], "missingValues": [""]}
    if ds.unique_key:
        schema["primaryKey"] = list(ds.unique_key)
    return schema


def _field(f: Field) -> dict:
    field: dict = {
        "name": f.name,
        "type": f.table_type,
        "title": _both(f.title.vi, f.title.en),
        "description": _both(f.description.vi, f.description.en),
    }
    if f.table_type == "boolean":
        field.update(trueValues=["true"], falseValues=["false"])
    if f.unit:
        field["unit"] = f.unit_code
        field["unitTitle"] = _both(f.unit.vi, f.unit.en)
    if f.required:
        field["constraints"] = {"required": True}
    return field


def _both(vi: str, en: str) -> str:
    return vi if vi == en else f"{vi} / {en}"
