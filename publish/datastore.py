"""A CSV export as CKAN DataStore content: its data dictionary (from the export's datapackage.json), its typed
records, and the row changes that bring a DataStore table that holds other rows to it."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publish.dbt_docs import Bilingual, split_bilingual
from publish.exporter import DATAPACKAGE
from publish.manifest import ManifestError, canonical_hash

#: Table Schema type (datapackage.json) → DataStore column type (a PostgreSQL type; counts may pass 2^31).
PG_TYPES = {"integer": "int8", "year": "int8", "number": "numeric", "date": "date", "datetime": "timestamp",
            "string": "text", "boolean": "bool"}
_TRUE, _FALSE = ("true", "1"), ("false", "0")


class DataStoreError(ValueError):
    """An export cannot be loaded into the DataStore as it stands (schema and CSV disagree)."""


@dataclass(frozen=True)
class Dictionary:
    """What ``datastore_create`` gets for one CSV: the fields (id, type, info) and the primary key."""

    fields: tuple[dict, ...]
    primary_key: tuple[str, ...]

    @property
    def sha256(self) -> str:
        """Changes whenever a column, its type, its labels or the key change (then the table is made anew)."""
        return canonical_hash({"fields": self.fields, "primary_key": self.primary_key})

    @property
    def types(self) -> dict[str, str]:
        return {f["id"]: f["type"] for f in self.fields}


@dataclass
class RowPlan:
    """The DataStore writes that make a resource's table hold exactly the CSV's rows."""

    drop: bool = False  # the table exists with another data dictionary: drop it first
    create: bool = False  # (re)create the table with the data dictionary
    truncate: bool = False  # no primary key to update by: delete every row, then insert
    deletes: list[int] = field(default_factory=list)  # _id of rows no longer in the export
    upserts: list[dict] = field(default_factory=list)  # rows new or changed
    method: str = "upsert"  # datastore_upsert's method: "insert" when there is no primary key

    @property
    def writes(self) -> bool:
        return self.drop or self.create or self.truncate or bool(self.deletes or self.upserts)


def table_schemas(export_dir: Path, manifest: dict) -> dict[str, dict]:
    """CSV file name → its Table Schema, from the export's data package (the exports' one description of them)."""
    listed = (manifest.get("metadata_files") or {}).get(DATAPACKAGE) or {"path": DATAPACKAGE}
    path = export_dir / listed["path"]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"{path} not found: run `chiso publish` first") from exc
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not valid JSON: {exc}") from exc
    return {r["path"]: r["schema"] for r in document.get("resources", []) if "schema" in r}


def data_dictionary(schema: dict) -> Dictionary:
    """The DataStore fields of a Table Schema: column types, and labels and descriptions in Vietnamese and English
    (CKAN shows ``info.label``/``info.notes``, or ``label_translated``/``notes_translated`` in the page's language)."""
    return Dictionary(tuple(_field(f) for f in schema["fields"]), tuple(schema.get("primaryKey") or ()))


def _field(f: dict) -> dict:
    if f["type"] not in PG_TYPES:
        raise DataStoreError(f"column {f['name']}: Table Schema type {f['type']!r} has no DataStore type; known:"
                             f" {', '.join(PG_TYPES)}")
    # datapackage.json writes 'vi / en' (one text when both are the same), split as the dbt docs were
    title, notes = split_bilingual(f.get("title") or f["name"]), split_bilingual(f.get("description") or "")
    if f.get("unitTitle"):
        unit = split_bilingual(f["unitTitle"])
        notes = Bilingual(f"{notes.vi} Đơn vị: {unit.vi}.", f"{notes.en} Unit: {unit.en}.")
    info = {
        "label": title.vi,
        "notes": notes.vi if notes.vi == notes.en else f"{notes.vi}\n\n{notes.en}",
        "label_translated": {"vi": title.vi, "en": title.en},
        "notes_translated": {"vi": notes.vi, "en": notes.en},
    }
    return {"id": f["name"], "type": PG_TYPES[f["type"]], "info": info}


def read_records(path: Path, dictionary: Dictionary) -> list[dict]:
    """The CSV's rows as DataStore records: typed values, empty cells (suppressed ones too) as null."""
    types = dictionary.types
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if header != list(types):
            raise DataStoreError(f"{path.name}: columns {header} are not those of its schema in {DATAPACKAGE}"
                                 f" ({list(types)}): publish the exports again")
        return [_record(path.name, number, header, row, types) for number, row in enumerate(reader, start=2)]


def _record(file: str, line: int, header: list[str], row: list[str], types: dict[str, str]) -> dict:
    if len(row) != len(header):
        raise DataStoreError(f"{file} line {line}: {len(row)} cells, expected {len(header)}")
    try:
        return {name: typed(cell, types[name]) for name, cell in zip(header, row, strict=True)}
    except ValueError as exc:
        raise DataStoreError(f"{file} line {line}: {exc}") from exc


def typed(cell: str, pg_type: str) -> object:
    """A CSV cell as the JSON value the DataStore stores for ``pg_type`` (numbers as exact decimal strings)."""
    if cell == "":
        return None
    if pg_type == "int8":
        return int(cell)
    if pg_type == "bool":
        if cell.lower() not in _TRUE + _FALSE:
            raise ValueError(f"{cell!r} is not a boolean (true/false)")
        return cell.lower() in _TRUE
    if pg_type == "numeric":
        float(cell)  # a number, or ValueError
    return cell


def comparable(value: object, pg_type: str) -> object:
    """One form for a value from the CSV and the same value read back from ``datastore_search``."""
    if value is None or value == "":
        return None
    if pg_type == "numeric":
        return float(value)  # type: ignore[arg-type]  # the DataStore answers numeric columns as JSON numbers
    if pg_type == "int8":
        return int(value)  # type: ignore[call-overload]
    if pg_type == "date":
        return str(value)[:10]
    return value if pg_type == "bool" else str(value)


def new_table(records: list[dict], dictionary: Dictionary, drop: bool) -> RowPlan:
    """The writes that make the table anew (after dropping the one there when ``drop``) and load every row."""
    return RowPlan(drop=drop, create=True, upserts=records, method="upsert" if dictionary.primary_key else "insert")


def plan_rows(records: list[dict], current: list[dict], dictionary: Dictionary) -> RowPlan:
    """The row writes that turn ``current`` (read from the table, with ``_id``) into ``records``."""
    if not dictionary.primary_key:
        unchanged = _rows(current, dictionary) == _rows(records, dictionary)
        return RowPlan(method="insert") if unchanged else RowPlan(truncate=bool(current), upserts=records,
                                                                  method="insert")
    types = dictionary.types
    have = {_key(r, dictionary): (r["_id"], _values(r, types)) for r in current}
    want = {_key(r, dictionary): r for r in records}
    upserts = [r for k, r in want.items() if k not in have or have[k][1] != _values(r, types)]
    deletes = sorted(row_id for k, (row_id, _) in have.items() if k not in want)
    return RowPlan(deletes=deletes, upserts=upserts)


def _values(record: dict, types: dict[str, str]) -> tuple:
    return tuple(comparable(record.get(name), t) for name, t in types.items())


def _key(record: dict, dictionary: Dictionary) -> tuple:
    types = dictionary.types
    return tuple(comparable(record.get(name), types[name]) for name in dictionary.primary_key)


def _rows(records: list[dict], dictionary: Dictionary) -> list[tuple]:
    return [_values(r, dictionary.types) for r in records]


def chunks(items: Sequence, size: int) -> Iterator[tuple[int, Sequence]]:
    """(offset, slice) pieces of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield start, items[start:start + size]
