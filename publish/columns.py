"""Sort every exported column into an allowed kind (code, label, category, period, count, rate, measure, flag).

This is the privacy allow-list: a column that fits no kind, or whose name says it holds personal data, stops
the export. Only aggregates of public bodies leave the warehouse; names or identifiers of people never do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Words (between underscores) and phrases that point at a person: such columns are refused whatever their type.
_PERSONAL_WORDS = frozenset({"citizen", "phone", "email", "address", "birth", "birthday", "gender", "cccd",
                             "cmnd", "passport", "dob", "hoten"})
_PERSONAL_PHRASES = ("full_name", "first_name", "last_name", "ho_ten", "dia_chi", "ngay_sinh", "national_id",
                     "id_number", "so_dinh_danh", "tax_code", "so_dien_thoai")
#: ``<entity>_name_vi|en`` is allowed only for these public entities (never a person's name).
_PUBLIC_NAMES = ("agency", "commune", "indicator", "scope", "publisher", "province")
#: Short enumerations of public attributes.
_CATEGORIES = ("agency_level", "agency_type", "holder_type", "medium", "former_province", "plan", "comparator",
               "unit", "actual_source", "status", "scope")

_INTEGER = ("smallint", "integer", "bigint", "int2", "int4", "int8")
_NUMBER = ("numeric", "real", "double precision", "float4", "float8")

#: What each kind means for the reader: (unit code, Vietnamese label, English label).
UNITS: dict[str, tuple[str, str, str]] = {
    "count": ("count", "số lượng", "count"),
    "rate": ("percent", "%", "%"),
    "year": ("year", "năm", "year"),
}
NUMERIC_KINDS = ("count", "rate", "measure", "year")


class PrivacyError(ValueError):
    """A column of a dataset is not on the allow-list of column kinds."""


@dataclass(frozen=True)
class ColumnKind:
    kind: str  # code | label | reference | category | period | year | count | rate | measure | flag
    table_type: str  # Frictionless Table Schema type


def classify(dataset: str, column: str, pg_type: str) -> ColumnKind:
    """The kind of ``column`` (PostgreSQL type ``pg_type``) in ``dataset``; raises :class:`PrivacyError`."""
    if _PERSONAL_WORDS & set(column.split("_")) or any(p in column for p in _PERSONAL_PHRASES):
        raise PrivacyError(f"dataset {dataset}: column {column} looks like personal data; it is never published")
    base = pg_type.split("(")[0].strip().lower()
    if base == "boolean" or base == "bool":
        return ColumnKind("flag", "boolean")
    if base == "date":
        return ColumnKind("period", "date")
    if base.startswith("timestamp"):
        return ColumnKind("period", "datetime")
    if base in _INTEGER:
        return ColumnKind("year", "year") if column.endswith("_year") else ColumnKind("count", "integer")
    if base in _NUMBER:
        return ColumnKind("rate", "number") if column.endswith("_pct") else ColumnKind("measure", "number")
    if base in ("text", "character varying", "varchar", "character", "bpchar"):
        return ColumnKind(_text_kind(dataset, column), "string")
    raise PrivacyError(f"dataset {dataset}: column {column} has type {pg_type}, not one the exports allow")


def _text_kind(dataset: str, column: str) -> str:
    name_of = re.fullmatch(r"(?P<entity>.+)_name_(vi|en)", column)
    if name_of:
        if name_of["entity"] in _PUBLIC_NAMES:
            return "label"
        raise PrivacyError(f"dataset {dataset}: column {column} is a name of {name_of['entity']}, which is not one of"
                           f" the public entities {', '.join(_PUBLIC_NAMES)}")
    if column.endswith(("_code", "_id")):
        return "code"
    if column.endswith(("_vi", "_en")):
        return "label"
    if column.endswith("_ref"):
        return "reference"
    if column in _CATEGORIES:
        return "category"
    raise PrivacyError(f"dataset {dataset}: text column {column} is not on the allow-list of column kinds in"
                       f" publish/columns.py; add it there once you have checked it holds no personal data")
