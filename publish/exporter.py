"""Publish every open-data dataset to the export folder: data files, data package, DCAT, the static site (home
page, one page per dataset, data-quality page, stylesheet and script) and the manifest.

A dataset whose files and metadata are unchanged is not rewritten (its files keep their mtime and its dates
in the metadata stay), nor rendered again when its CSV is the one published (its XLSX and JSON come from the same
rows); the shared metadata files and the site's pages are rewritten only when their bytes change.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from publish import datapackage, dcat, indicator, quality, site
from publish.assets import assets
from publish.catalogue import Catalogue, Dataset, commune_codes, read_catalogue
from publish.dataset_page import PREVIEW_ROWS, DatasetView
from publish.dbt_docs import load_manifest
from publish.layout import QUALITY
from publish.manifest import (
    MANIFEST,
    canonical_hash,
    entries_by_code,
    files_match,
    json_bytes,
    read_manifest,
    sha256,
    utc_now,
    write_if_changed,
)
from publish.privacy import suppress
from publish.writers import FORMATS, csv_cell, render_csv, render_json
from publish.xlsx import render_xlsx

log = logging.getLogger(__name__)

DATAPACKAGE = "datapackage.json"
DCAT = "catalog.jsonld"


@dataclass(frozen=True)
class ExportedFile:
    """One published dataset: its CSV (``path``, ``sha256``), rows, and whether this run rewrote it."""

    dataset: str
    path: str
    rows: int
    sha256: str
    changed: bool
    suppressed_cells: int


@dataclass(frozen=True)
class Rendered:
    dataset: Dataset
    files: dict[str, bytes]  # extension -> bytes
    rows: int
    suppressed_cells: int
    rows_suppressed: int
    metadata_sha256: str
    preview: tuple[tuple[str, ...], ...]  # the CSV's first rows, each cell as the CSV writes it
    series: indicator.Series | None  # the main indicator per period, from the unsuppressed rows
    reused: bool = False  # the files are the published ones, read back and checked (_unchanged_files)


def export_all(url: str, out_dir: Path, *, dbt_manifest: Path, min_cell: int) -> list[ExportedFile]:
    """Read the datasets from ``dbt_manifest`` (dbt's ``target/manifest.json``) and their marts from ``url`` in one
    snapshot, then write what changed into ``out_dir``; counts ``0 < n < min_cell`` in commune rows are emptied."""
    docs = load_manifest(dbt_manifest)
    previous = read_manifest(out_dir)
    old_entries = entries_by_code(previous)
    with psycopg.connect(url) as conn:  # one snapshot-consistent read transaction
        conn.execute("set transaction isolation level repeatable read, read only")
        catalogue = read_catalogue(conn, docs, min_cell)
        communes = commune_codes(conn)
        rendered = [render_dataset(conn, ds, communes, min_cell, _unchanged_files(out_dir, old_entries.get(ds.code)))
                    for ds in catalogue.datasets]
        quality_page = quality.quality_html(quality.read_findings(conn))
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = utc_now()
    results = [_publish(out_dir, r, old_entries.get(r.dataset.code), stamp) for r in rendered]
    entries = {r.dataset.code: entry for r, (entry, _) in zip(rendered, results, strict=True)}
    views = [DatasetView(r.dataset, entries[r.dataset.code], r.preview, r.series) for r in rendered]
    documents = _metadata_documents(catalogue, entries)
    documents.update(site.site_files(catalogue, entries, views, quality_page))
    _write_documents(out_dir, documents)
    _write_manifest(out_dir, catalogue, entries, documents, min_cell)
    _remove_dropped(out_dir, old_entries, entries)
    _remove_unlisted(out_dir, previous, documents)
    return [_exported(entry, changed) for entry, changed in results]


def render_dataset(conn: psycopg.Connection, ds: Dataset, communes: frozenset[str], min_cell: int,
                   unchanged: Callable[[str, bytes, tuple[int, int]], dict[str, bytes] | None] | None = None,
                   ) -> Rendered:
    """The dataset's rows, suppressed, as CSV, XLSX and JSON bytes. The CSV is written first: when ``unchanged``
    finds the published files made from the same CSV and metadata by the same writers, they are taken as they are
    (the XLSX and JSON are not rendered again; most of a night's publish time at 3 years of history)."""
    raw = _read_rows(conn, ds)
    kinds = [f.kind for f in ds.fields if f.name in ds.mart_columns]
    result = suppress(raw, ds.mart_columns, kinds, ds.identities, communes, min_cell)
    names = [f.name for f in ds.fields]
    csv = render_csv(names, result.rows)
    metadata_sha256 = canonical_hash(metadata_record(ds))
    published = unchanged(metadata_sha256, csv, (result.cells, result.rows_touched)) if unchanged else None
    files = published or {
        "csv": csv,
        "xlsx": render_xlsx(ds, result.rows, result.rows_touched),
        "json": render_json(names, result.rows),
    }
    preview = tuple(tuple(csv_cell(v) for v in row) for row in result.rows[:PREVIEW_ROWS])
    return Rendered(ds, files, len(raw), result.cells, result.rows_touched, metadata_sha256, preview,
                    indicator.series(ds, raw), reused=published is not None)


@functools.cache
def writers_sha256() -> str:
    """A checksum of the code that writes the files: a file made by other writers is made again."""
    here = Path(__file__).resolve().parent
    return sha256(b"".join((here / name).read_bytes() for name in ("writers.py", "xlsx.py", "privacy.py")))


def _unchanged_files(out_dir: Path, entry: dict | None,
                     ) -> Callable[[str, bytes, tuple[int, int]], dict[str, bytes] | None]:
    """For one dataset's previous manifest entry: given this run's metadata hash, CSV and suppression counts
    (cells, rows: the XLSX states them), the published files as they are on disk when the entry was made from the
    same by the same writers and every file is intact (else None: render them)."""
    def files(metadata_sha256: str, csv: bytes, suppression: tuple[int, int]) -> dict[str, bytes] | None:
        listed = (entry or {}).get("files") or {}
        if (not entry or set(listed) != set(FORMATS) or listed["csv"]["sha256"] != sha256(csv)
                or (entry.get("metadata_sha256"), entry.get("writers_sha256")) != (metadata_sha256, writers_sha256())
                or (entry.get("suppressed_cells"), entry.get("rows_suppressed")) != suppression):
            return None
        found = {}
        for ext, file in listed.items():
            path = out_dir / file["path"]
            data = path.read_bytes() if path.is_file() else b""
            if sha256(data) != file["sha256"]:
                return None
            found[ext] = data
        return found

    return files


def metadata_record(ds: Dataset) -> dict:
    """Everything known about the dataset except its data and timestamps (what the metadata hash covers)."""
    return _plain(dataclasses.asdict(ds))


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _read_rows(conn: psycopg.Connection, ds: Dataset) -> list[tuple]:
    query = sql.SQL("select {} from {}.{} order by {}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in ds.mart_columns),
        sql.Identifier(ds.schema), sql.Identifier(ds.source_model),
        sql.SQL(", ").join(sql.Identifier(c) for c in ds.order_by))
    return conn.execute(query).fetchall()


def _publish(out_dir: Path, r: Rendered, previous: dict | None, stamp: str) -> tuple[dict, bool]:
    """Write the dataset's files unless they and its metadata are unchanged; return its manifest entry."""
    code = r.dataset.code
    # files read back from the folder were checked against the entry as they were read: not read again here
    unchanged = (previous is not None and previous.get("metadata_sha256") == r.metadata_sha256
                 and (r.reused or files_match(out_dir, previous, r.files)))
    if unchanged:
        log.info("dataset %s unchanged (%s rows): nothing written", code, r.rows)
        return {**previous, "writers_sha256": writers_sha256()}, False  # an entry from before the key gains it
    written = [ext for ext, data in r.files.items() if write_if_changed(out_dir / f"{code}.{ext}", data)]
    log.info("dataset %s published: %s rows, %s cells suppressed, wrote %s", code, r.rows, r.suppressed_cells,
             ", ".join(written) or "metadata only")
    issued = (previous or {}).get("issued") or stamp
    return _entry(r, issued, stamp), True


def _entry(r: Rendered, issued: str, modified: str) -> dict:
    ds = r.dataset
    files = {ext: {"path": f"{ds.code}.{ext}", "sha256": sha256(data), "bytes": len(data),
                   "format": FORMATS[ext].label, "mediatype": FORMATS[ext].mediatype}
             for ext, data in r.files.items()}
    record = metadata_record(ds)
    record.pop("fields")
    return {
        "dataset": ds.code,
        "path": files["csv"]["path"],
        "rows": r.rows,
        "sha256": files["csv"]["sha256"],
        "ckan_name": ds.ckan_name,
        "uri": ds.uri,
        "suppressed_cells": r.suppressed_cells,
        "rows_suppressed": r.rows_suppressed,
        "metadata_sha256": r.metadata_sha256,
        "writers_sha256": writers_sha256(),
        "issued": issued,
        "modified": modified,
        "files": files,
        "metadata": record,
    }


def write_quality_page(url: str, out_dir: Path) -> Path:
    """``quality.html``: the open findings of the last build, with the stylesheet it uses (each rewritten only
    when it changes). ``export_all`` writes it too, and lists it in the manifest."""
    with psycopg.connect(url) as conn:
        page = quality.quality_html(quality.read_findings(conn))
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_documents(out_dir, {QUALITY: page, **assets()})
    return out_dir / QUALITY


def _metadata_documents(catalogue: Catalogue, entries: dict[str, dict]) -> dict[str, bytes]:
    return {
        DATAPACKAGE: json_bytes(datapackage.descriptor(catalogue, entries)),
        DCAT: json_bytes(dcat.catalogue_document(catalogue, entries, DATAPACKAGE)),
    }


def _write_documents(out_dir: Path, documents: dict[str, bytes]) -> None:
    for name, data in documents.items():
        if write_if_changed(out_dir / name, data):
            log.info("wrote %s", out_dir / name)


def _write_manifest(out_dir: Path, catalogue: Catalogue, entries: dict[str, dict], documents: dict[str, bytes],
                    min_cell: int) -> None:
    """The manifest: every dataset's entry, and every metadata file and site file with its checksum."""
    manifest = {
        "generator": "chiso publish",
        "min_cell": min_cell,
        "catalog": {
            "publisher": dataclasses.asdict(catalogue.publisher),
            "contributor": dataclasses.asdict(catalogue.contributor),
        },
        "metadata_files": {name: {"path": name, "sha256": sha256(data)} for name, data in documents.items()},
        "datasets": [entries[ds.code] for ds in catalogue.datasets],
    }
    write_if_changed(out_dir / MANIFEST, json_bytes(manifest))


def _remove_dropped(out_dir: Path, old: dict[str, dict], current: dict[str, dict]) -> None:
    """Files of datasets no longer declared go (only files the previous manifest listed)."""
    for code in sorted(set(old) - set(current)):
        for file in (old[code].get("files") or {"csv": {"path": old[code].get("path")}}).values():
            path = out_dir / str(file.get("path") or "")
            if path.parent == out_dir and path.is_file():
                path.unlink()
        log.info("dataset %s is no longer declared: its files were removed", code)


def _remove_unlisted(out_dir: Path, previous: dict, current: dict[str, bytes]) -> None:
    """Metadata and site files the previous manifest listed and this one does not (the page of a dataset no longer
    declared) go."""
    for name in sorted(set(previous.get("metadata_files") or {}) - set(current)):
        path = out_dir / name
        if path.parent == out_dir and path.is_file() and name != MANIFEST:
            path.unlink()
            log.info("removed %s: no longer part of the site", path)


def _exported(entry: dict, changed: bool) -> ExportedFile:
    return ExportedFile(entry["dataset"], entry["path"], entry["rows"], entry["sha256"], changed,
                        entry["suppressed_cells"])
