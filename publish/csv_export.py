"""Write marts to CSV files for the open-data portal: UTF-8 with BOM, stable order, and a manifest."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """One open-data dataset: a mart, the file it becomes and its row order."""

    name: str
    relation: tuple[str, str]  # (schema, table)
    order_by: tuple[str, ...]
    title_vi: str


DATASETS: tuple[Dataset, ...] = (
    Dataset("tthc_dossiers_by_agency_month", ("marts", "mart_tthc_agency_month"),
            ("month_start", "agency_code"), "Hồ sơ thủ tục hành chính theo cơ quan và tháng"),
)


@dataclass(frozen=True)
class ExportedFile:
    dataset: str
    path: str
    rows: int
    sha256: str


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return value


def export_dataset(conn: psycopg.Connection, dataset: Dataset, out_dir: Path) -> ExportedFile:
    """Write one dataset as CSV atomically (temp file + rename) and return what was written."""
    schema, table = dataset.relation
    query = sql.SQL("select * from {}.{} order by {}").format(
        sql.Identifier(schema), sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c) for c in dataset.order_by))
    path = out_dir / f"{dataset.name}.csv"
    tmp = path.with_suffix(".csv.tmp")
    rows = 0
    with conn.cursor(name=f"export_{dataset.name}") as cur:  # server-side cursor: bounded memory
        cur.execute(query)
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            header_written = False
            for record in cur:
                if not header_written:
                    writer.writerow([d.name for d in cur.description])
                    header_written = True
                writer.writerow([_cell(v) for v in record])
                rows += 1
            if not header_written:
                writer.writerow([d.name for d in cur.description])
    os.replace(tmp, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    log.info("exported %s: %s rows to %s", dataset.name, rows, path)
    return ExportedFile(dataset.name, path.name, rows, digest)


def export_all(url: str, out_dir: Path) -> list[ExportedFile]:
    """Export every dataset and write ``manifest.json`` (row counts and checksums) beside them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(url) as conn:  # one snapshot-consistent read transaction
        conn.execute("set transaction isolation level repeatable read, read only")
        exported = [export_dataset(conn, ds, out_dir) for ds in DATASETS]
    manifest = {"datasets": [asdict(e) for e in exported]}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return exported
