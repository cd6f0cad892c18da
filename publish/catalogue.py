"""The datasets to publish and their bilingual metadata, from the catalogue mart and the dbt docs (never retyped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

from publish.columns import UNITS, classify
from publish.dbt_docs import Bilingual, ColumnDoc, DbtDocsError, ModelDoc, model_doc
from publish.privacy import FLAG_COLUMN, needs_flag

CATALOGUE_MODEL = "mart_open_data_catalogue"
PORTAL_URL = "https://data.lamdong.gov.vn"
SYNTHETIC_TAG = Bilingual("[DỮ LIỆU MÔ PHỎNG / SYNTHETIC]", "[SYNTHETIC DATA]")

#: SPDX id in the catalogue → (licence URL, title, CKAN licence id).
LICENSES = {
    "CC-BY-4.0": ("https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0", "cc-by"),
    "CC0-1.0": ("https://creativecommons.org/publicdomain/zero/1.0/", "Creative Commons CC0 1.0", "cc-zero"),
    "ODbL-1.0": ("https://opendatacommons.org/licenses/odbl/1-0/", "Open Data Commons ODbL 1.0", "odc-odbl"),
}
#: update_frequency in the catalogue → (EU frequency authority code, Vietnamese, English).
FREQUENCIES = {
    "daily": ("DAILY", "hằng ngày", "daily"),
    "monthly": ("MONTHLY", "hằng tháng", "monthly"),
    "quarterly": ("QUARTERLY", "hằng quý", "quarterly"),
    "yearly": ("ANNUAL", "hằng năm", "yearly"),
}


class CatalogueError(RuntimeError):
    """A catalogue row or the mart it points at cannot be published as it stands."""


@dataclass(frozen=True)
class Agency:
    code: str | None
    name: Bilingual


@dataclass(frozen=True)
class Field:
    name: str
    pg_type: str
    kind: str
    table_type: str
    title: Bilingual
    description: Bilingual
    unit: Bilingual | None
    unit_code: str | None
    required: bool


@dataclass(frozen=True)
class Dataset:
    """One catalogue row with everything the writers need; ``fields`` follow the mart's column order."""

    code: str
    schema: str
    source_model: str
    title: Bilingual
    description: Bilingual
    source: Bilingual
    topic: Bilingual
    keywords: tuple[str, ...]
    publisher: Agency
    creator: Agency
    contributor: Agency
    license_id: str
    update_frequency: str
    temporal_column: str
    temporal_start: date | None
    temporal_end: date | None
    spatial: str
    grain: Bilingual
    is_synthetic: bool
    row_count: int
    unique_key: tuple[str, ...]
    identities: tuple[tuple[str, ...], ...]
    fields: tuple[Field, ...]

    @property
    def ckan_name(self) -> str:
        return self.code.replace("_", "-")

    @property
    def uri(self) -> str:
        return f"{PORTAL_URL}/dataset/{self.ckan_name}"

    @property
    def mart_columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.name != FLAG_COLUMN)

    @property
    def order_by(self) -> tuple[str, ...]:
        """Period first, then the rest of the dbt-tested key, then every other column: a total order."""
        first = [self.temporal_column, *self.unique_key]
        ordered = list(dict.fromkeys(c for c in first if c in self.mart_columns))
        return tuple(ordered + [c for c in self.mart_columns if c not in ordered])


@dataclass(frozen=True)
class Catalogue:
    publisher: Agency  # the body all dataset publishers answer to: the CKAN organisation
    contributor: Agency  # owner of the catalogue mart: compiles and publishes the catalogue
    datasets: tuple[Dataset, ...]


def read_catalogue(conn: psycopg.Connection, manifest: dict, min_cell: int) -> Catalogue:
    """Every dataset of ``marts.mart_open_data_catalogue``, documented from the dbt manifest."""
    agencies = _agencies(conn)
    catalogue_doc = model_doc(manifest, CATALOGUE_MODEL)
    contributor = _agency(agencies, catalogue_doc.owner.agency_code, catalogue_doc.owner.name_vi)
    cur = conn.execute(f"select * from {catalogue_doc.schema}.{CATALOGUE_MODEL} order by dataset_code")
    names = [d.name for d in cur.description]
    datasets = tuple(_dataset(conn, dict(zip(names, row)), manifest, agencies, contributor, min_cell)
                     for row in cur.fetchall())
    if not datasets:
        raise CatalogueError(f"{CATALOGUE_MODEL} is empty: nothing to publish")
    publisher = _root(agencies, datasets[0].publisher.code)
    return Catalogue(publisher, contributor, datasets)


def _dataset(conn: psycopg.Connection, row: dict, manifest: dict, agencies: dict, contributor: Agency,
             min_cell: int) -> Dataset:
    code = row["dataset_code"]
    try:
        doc = model_doc(manifest, row["source_model"])
    except DbtDocsError as exc:
        raise CatalogueError(f"dataset {code}: {exc}") from exc
    if row["license_id"] not in LICENSES:
        raise CatalogueError(f"dataset {code}: licence {row['license_id']!r} is not one of {', '.join(LICENSES)}")
    if row["update_frequency"] not in FREQUENCIES:
        raise CatalogueError(f"dataset {code}: update_frequency {row['update_frequency']!r} is not one of"
                             f" {', '.join(FREQUENCIES)}")
    fields = _fields(code, doc, _columns(conn, doc), min_cell)
    synthetic = bool(row["is_synthetic"])
    return Dataset(
        code=code, schema=doc.schema, source_model=doc.name,
        title=_title(row, synthetic),
        description=_description(row, synthetic, any(f.name == FLAG_COLUMN for f in fields), min_cell),
        source=doc.description,
        topic=Bilingual(row["topic_vi"] or "", row["topic_en"] or ""),
        keywords=tuple(k.strip() for k in (row["keywords_vi"] or "").split(";") if k.strip()),
        publisher=Agency(row["publisher_agency_code"], Bilingual(row["publisher_name_vi"], row["publisher_name_en"])),
        creator=_agency(agencies, doc.owner.agency_code, doc.owner.name_vi),
        contributor=contributor,
        license_id=row["license_id"], update_frequency=row["update_frequency"],
        temporal_column=row["temporal_column"], temporal_start=row["temporal_start"],
        temporal_end=row["temporal_end"], spatial=row["spatial_coverage_vi"] or "",
        grain=Bilingual(row["grain_vi"] or "", row["grain_en"] or ""),
        is_synthetic=synthetic, row_count=int(row["row_count"] or 0),
        unique_key=doc.unique_key, identities=doc.identities, fields=fields,
    )


def _title(row: dict, synthetic: bool) -> Bilingual:
    if not synthetic:
        return Bilingual(row["title_vi"], row["title_en"])
    return Bilingual(f"{row['title_vi']} {SYNTHETIC_TAG.vi}", f"{row['title_en']} {SYNTHETIC_TAG.en}")


def _description(row: dict, synthetic: bool, suppressed: bool, min_cell: int) -> Bilingual:
    vi = [row["description_vi"] or "", f"Cấp chi tiết: {row['grain_vi']}."]
    en = [row["description_en"] or "", f"Grain: {row['grain_en']}."]
    if synthetic:
        vi.append("Lưu ý: tập dữ liệu có số liệu mô phỏng do bộ mô phỏng nguồn của chiso sinh ra (cột is_synthetic),"
                  " không phải số liệu thống kê chính thức.")
        en.append("Note: this dataset holds synthetic figures generated by chiso's source simulator (column"
                  " is_synthetic); they are not official statistics.")
    if suppressed:
        vi.append(f"Bảo vệ dữ liệu cá nhân: ở dòng cấp xã, số đếm từ 1 đến {min_cell - 1} được để trống, cùng các số"
                  f" đếm liên quan và tỷ lệ của dòng; cột {FLAG_COLUMN} liệt kê các cột để trống.")
        en.append(f"Privacy: in commune-level rows, counts from 1 to {min_cell - 1} are left empty, with the counts"
                  f" tied to them and the row's rates; column {FLAG_COLUMN} lists the emptied columns.")
    return Bilingual(" ".join(vi), " ".join(en))


def _columns(conn: psycopg.Connection, doc: ModelDoc) -> list[tuple[str, str]]:
    cur = conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position", (doc.schema, doc.name))
    columns = cur.fetchall()
    if not columns:
        raise CatalogueError(f"mart {doc.schema}.{doc.name} does not exist in the warehouse: run `chiso build`")
    return columns


def _fields(dataset: str, doc: ModelDoc, columns: list[tuple[str, str]], min_cell: int) -> tuple[Field, ...]:
    fields = [_field(dataset, doc, name, pg_type) for name, pg_type in columns]
    if min_cell > 1 and needs_flag([f.kind for f in fields]):
        fields.append(_flag_field(min_cell))
    return tuple(fields)


def _field(dataset: str, doc: ModelDoc, name: str, pg_type: str) -> Field:
    col: ColumnDoc | None = doc.columns.get(name)
    if col is None or not col.description.vi:
        raise CatalogueError(f"dataset {dataset}: column {name} of {doc.name} has no description in the dbt YAML")
    kind = classify(dataset, name, pg_type)
    unit = UNITS.get(kind.kind)
    if col.unit:
        unit = (col.unit, col.unit, col.unit)
    elif kind.kind == "measure" and "unit" in doc.columns:
        unit = ("see column unit", "xem cột unit", "see column unit")
    return Field(
        name=name, pg_type=pg_type, kind=kind.kind, table_type=kind.table_type,
        title=Bilingual(_short(col.description.vi), _short(col.description.en)),
        description=col.description,
        unit=Bilingual(unit[1], unit[2]) if unit else None, unit_code=unit[0] if unit else None,
        required=col.not_null,
    )


def _flag_field(min_cell: int) -> Field:
    return Field(
        name=FLAG_COLUMN, pg_type="text", kind="flag", table_type="string",
        title=Bilingual("Cột để trống để bảo vệ dữ liệu cá nhân", "Columns suppressed for privacy"),
        description=Bilingual(
            f"Các cột số đếm (và tỷ lệ) của dòng được để trống vì có số từ 1 đến {min_cell - 1}; phân cách bằng ';'.",
            f"Count (and rate) columns of the row left empty because of a count from 1 to {min_cell - 1};"
            f" ';'-separated."),
        unit=None, unit_code=None, required=False)


def _short(text: str) -> str:
    return text.rstrip(" .")


def _agencies(conn: psycopg.Connection) -> dict[str, tuple[str, str, str | None]]:
    rows = conn.execute("select agency_code, name_vi, name_en, parent_code from marts.dim_agency where is_current")
    return {code: (vi, en or vi, parent) for code, vi, en, parent in rows}


def _agency(agencies: dict, code: str | None, fallback_vi: str) -> Agency:
    if code in agencies:
        vi, en, _ = agencies[code]
        return Agency(code, Bilingual(vi, en))
    return Agency(code, Bilingual(fallback_vi, fallback_vi))


def _root(agencies: dict, code: str | None) -> Agency:
    seen: set[str] = set()
    while code in agencies and agencies[code][2] and code not in seen:
        seen.add(code)
        code = agencies[code][2]
    return _agency(agencies, code, code or "")


def commune_codes(conn: psycopg.Connection) -> frozenset[str]:
    """Codes of the communes (xã, phường, đặc khu), current and former: the rows suppression looks at."""
    return frozenset(r[0] for r in conn.execute("select agency_code from marts.dim_agency where agency_level = 'commune'"))
