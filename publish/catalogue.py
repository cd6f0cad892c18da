"""The datasets to publish: each open-data exposure of the dbt manifest with its metadata, its mart's documented
and published columns, and the row count and coverage of the mart itself (nothing is retyped)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg import sql

from publish.columns import UNITS, classify
from publish.dbt_docs import Bilingual, ColumnDoc, DbtDocsError, ExposureDoc, ModelDoc, model_doc, open_data_exposures
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
#: What an open-data exposure's ``config.meta.open_data`` holds: required keys, then optional ones.
METADATA_KEYS = ("title_vi", "title_en", "description_vi", "description_en", "topic_vi", "topic_en", "keywords_vi",
                 "update_frequency", "temporal_column", "spatial_coverage_vi", "license_id", "grain_vi", "grain_en",
                 "source_names")
OPTIONAL_KEYS = ("temporal_end_column", "temporal_grain", "chart")
#: temporal_grain: how long a period each value of the end column stands for (coverage ends on its last day).
GRAINS = ("day", "month", "quarter", "year")
#: chart: the keys of its mapping (or the word ``none``: the dataset is no series over time).
CHART_KEYS = ("column", "numerator", "denominator")


class CatalogueError(RuntimeError):
    """An open-data exposure or the mart it publishes cannot be published as it stands."""


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
class Chart:
    """The dataset's main indicator, charted per period over the whole province: a count (summed) or a rate
    (recomputed from its summed ``numerator`` and ``denominator`` counts, never averaged)."""

    column: str
    numerator: str | None = None
    denominator: str | None = None


@dataclass(frozen=True)
class Dataset:
    """One open-data dataset with everything the writers need; ``fields`` are the published columns, in YAML order."""

    code: str
    schema: str
    source_model: str
    title: Bilingual
    description: Bilingual
    summary: Bilingual  # the declared description alone (description adds the grain and the notes)
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
    chart: Chart | None = None

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
    """Every open-data exposure of the dbt manifest as a dataset, its figures read from its mart through ``conn``."""
    agencies = _agencies(conn)
    catalogue_doc = model_doc(manifest, CATALOGUE_MODEL)
    contributor = _agency(agencies, catalogue_doc.owner.agency_code, catalogue_doc.owner.name_vi)
    try:
        exposures = open_data_exposures(manifest)
    except DbtDocsError as exc:
        raise CatalogueError(str(exc)) from exc
    if not exposures:
        raise CatalogueError("the dbt manifest has no open-data exposure (config.meta.open_data): nothing to publish")
    datasets = tuple(_dataset(conn, e, manifest, agencies, contributor, min_cell) for e in exposures)
    publisher = _root(agencies, datasets[0].publisher.code)
    return Catalogue(publisher, contributor, datasets)


def _dataset(conn: psycopg.Connection, exposure: ExposureDoc, manifest: dict, agencies: dict, contributor: Agency,
             min_cell: int) -> Dataset:
    code = exposure.name
    meta = _metadata(exposure)
    try:
        doc = model_doc(manifest, exposure.model)
    except DbtDocsError as exc:
        raise CatalogueError(f"dataset {code}: {exc}") from exc
    if exposure.owner.agency_code not in agencies:
        raise CatalogueError(f"dataset {code} ({exposure.path}): publisher {exposure.owner.agency_code!r} (the"
                             f" exposure's owner) is not a current agency of marts.dim_agency")
    columns = _columns(conn, doc)
    fields = _fields(code, doc, columns, min_cell)
    stats = _stats(conn, code, doc, meta, columns)
    synthetic = stats.is_synthetic
    return Dataset(
        code=code, schema=doc.schema, source_model=doc.name,
        title=_title(meta, synthetic),
        description=_description(meta, synthetic, any(f.name == FLAG_COLUMN for f in fields), min_cell),
        summary=Bilingual(meta["description_vi"], meta["description_en"]),
        source=doc.description,
        topic=Bilingual(meta["topic_vi"], meta["topic_en"]),
        keywords=tuple(str(k).strip() for k in meta["keywords_vi"] if str(k).strip()),
        publisher=_agency(agencies, exposure.owner.agency_code, exposure.owner.name_vi),
        creator=_agency(agencies, doc.owner.agency_code, doc.owner.name_vi),
        contributor=contributor,
        license_id=meta["license_id"], update_frequency=meta["update_frequency"],
        temporal_column=meta["temporal_column"], temporal_start=stats.start, temporal_end=stats.end,
        spatial=meta["spatial_coverage_vi"],
        grain=Bilingual(meta["grain_vi"], meta["grain_en"]),
        is_synthetic=synthetic, row_count=stats.rows,
        unique_key=doc.unique_key, identities=doc.identities, fields=fields,
        chart=_chart(f"dataset {code} ({exposure.path}): config.meta.open_data.chart", meta.get("chart"), fields),
    )


def _metadata(exposure: ExposureDoc) -> dict:
    """The exposure's ``open_data`` mapping, checked: every key known, the required ones present, values allowed."""
    meta, where = exposure.open_data, f"dataset {exposure.name} ({exposure.path}): config.meta.open_data"
    unknown = sorted(set(meta) - set(METADATA_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise CatalogueError(f"{where} has unknown key(s) {', '.join(unknown)}; allowed:"
                             f" {', '.join(METADATA_KEYS + OPTIONAL_KEYS)}")
    missing = [k for k in METADATA_KEYS if meta.get(k) in (None, "", [])]
    if missing:
        raise CatalogueError(f"{where} lacks {', '.join(missing)}")
    for key in ("keywords_vi", "source_names"):
        if not isinstance(meta[key], list):
            raise CatalogueError(f"{where}.{key} must be a list, e.g. [a, b], not {meta[key]!r}")
    for key, allowed in (("license_id", LICENSES), ("update_frequency", FREQUENCIES),
                         ("temporal_grain", GRAINS)):
        if key in meta and meta[key] not in allowed:
            raise CatalogueError(f"{where}.{key} is {meta[key]!r}, not one of {', '.join(allowed)}")
    return meta


def _chart(where: str, declared: object, fields: tuple[Field, ...]) -> Chart | None:
    """The ``chart`` declaration checked against the published fields: a count, or a rate with its two counts."""
    if declared is None or declared == "none":
        return None
    if not isinstance(declared, dict) or set(declared) - set(CHART_KEYS) or "column" not in declared:
        raise CatalogueError(f"{where} must be `none` or a mapping with column (and numerator, denominator for a"
                             f" rate), not {declared!r}")
    chart = Chart(**{k: str(v) for k, v in declared.items()})
    kinds = {f.name: f.kind for f in fields}
    for key in CHART_KEYS:
        name = getattr(chart, key)
        if name is not None and name not in kinds:
            raise CatalogueError(f"{where}.{key} {name!r} is not a published column of the dataset; published:"
                                 f" {', '.join(kinds)}")
    kind = kinds[chart.column]
    if kind not in ("count", "rate"):
        raise CatalogueError(f"{where}.column {chart.column!r} is a {kind} column, not numeric: chart a count"
                             " (summed per period) or a rate (_pct, recomputed from its counts)")
    _check_counts(where, chart, kind, kinds)
    return chart


def _check_counts(where: str, chart: Chart, kind: str, kinds: dict[str, str]) -> None:
    """A rate names the counts it is recomputed from; a count names none (it is summed)."""
    counts = (chart.numerator, chart.denominator)
    if kind == "count" and any(counts):
        raise CatalogueError(f"{where}: {chart.column!r} is a count, summed per period: it takes no numerator or"
                             " denominator")
    if kind == "rate" and not all(counts):
        raise CatalogueError(f"{where}: {chart.column!r} is a rate: name the counts it is recomputed from as"
                             " numerator and denominator (rates are never averaged)")
    for key, name in (("numerator", chart.numerator), ("denominator", chart.denominator)):
        if name is not None and kinds[name] != "count":
            raise CatalogueError(f"{where}.{key} {name!r} is a {kinds[name]} column, not a count")


@dataclass(frozen=True)
class _Stats:
    rows: int
    start: date | None
    end: date | None
    is_synthetic: bool


def _stats(conn: psycopg.Connection, code: str, doc: ModelDoc, meta: dict, columns: dict[str, str]) -> _Stats:
    """Rows, temporal coverage (earliest ``temporal_column``; latest ``temporal_end_column`` to the end of its
    ``temporal_grain``) and whether any row is synthetic, from the mart itself."""
    start_col = meta["temporal_column"]
    end_col = meta.get("temporal_end_column", start_col)
    for key, column in (("temporal_column", start_col), ("temporal_end_column", end_col)):
        if column not in columns:
            raise CatalogueError(f"dataset {code}: {key} {column!r} is not a column of {doc.schema}.{doc.name}")
    synthetic = sql.SQL("coalesce(bool_or(is_synthetic), false)" if "is_synthetic" in columns else "false")
    query = sql.SQL("select count(*), min({}), max({}), {} from {}.{}").format(
        sql.Identifier(start_col), sql.Identifier(end_col), synthetic,
        sql.Identifier(doc.schema), sql.Identifier(doc.name))
    rows, start, end, is_synthetic = conn.execute(query).fetchone()
    return _Stats(int(rows), _as_date(start), _period_end(_as_date(end), meta.get("temporal_grain", "day")),
                  bool(is_synthetic))


def _as_date(value: object) -> date | None:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def _period_end(day: date | None, grain: str) -> date | None:
    """The last day of the ``grain`` (day, month, quarter, year) that starts at or holds ``day``."""
    if day is None or grain == "day":
        return day
    month = {"month": day.month, "quarter": (day.month - 1) // 3 * 3 + 3, "year": 12}[grain]
    return date(day.year, month, calendar.monthrange(day.year, month)[1])


def _title(meta: dict, synthetic: bool) -> Bilingual:
    if not synthetic:
        return Bilingual(meta["title_vi"], meta["title_en"])
    return Bilingual(f"{meta['title_vi']} {SYNTHETIC_TAG.vi}", f"{meta['title_en']} {SYNTHETIC_TAG.en}")


def _description(meta: dict, synthetic: bool, suppressed: bool, min_cell: int) -> Bilingual:
    vi = [meta["description_vi"], f"Cấp chi tiết: {meta['grain_vi']}."]
    en = [meta["description_en"], f"Grain: {meta['grain_en']}."]
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


def _columns(conn: psycopg.Connection, doc: ModelDoc) -> dict[str, str]:
    """The mart's columns in the warehouse and their PostgreSQL types."""
    cur = conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position", (doc.schema, doc.name))
    columns = dict(cur.fetchall())
    if not columns:
        raise CatalogueError(f"mart {doc.schema}.{doc.name} does not exist in the warehouse: run `chiso build`")
    return columns


def _fields(dataset: str, doc: ModelDoc, columns: dict[str, str], min_cell: int) -> tuple[Field, ...]:
    """The columns marked ``publish.include`` in the mart's YAML, in its order (plus the privacy flag)."""
    published = [name for name, col in doc.columns.items() if col.published]
    if not published:
        raise CatalogueError(f"dataset {dataset}: no column of {doc.name} is marked for publication; mark each one"
                             " in its YAML with `config: {meta: {publish: {include: true}}}`")
    absent = [name for name in published if name not in columns]
    if absent:
        raise CatalogueError(f"dataset {dataset}: column(s) {', '.join(absent)} of {doc.name} are marked for"
                             f" publication but not in {doc.schema}.{doc.name}: run `chiso build`")
    unpublished_key = [name for name in doc.unique_key if name not in published]
    if unpublished_key:
        raise CatalogueError(f"dataset {dataset}: key column(s) {', '.join(unpublished_key)} of {doc.name} (its"
                             " unique_combination test) must be marked for publication too")
    fields = [_field(dataset, doc, name, columns[name]) for name in published]
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
        title=Bilingual(column_label(col.description.vi), column_label(col.description.en)),
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


def column_label(description: str) -> str:
    """A column's label (the XLSX header, the data dictionary, the site): its description up to the end of the first
    sentence, a formula (' = ') or a colon, so the label is declared with the description, once.

    'Tỷ lệ hồ sơ trực tuyến (%) = trực tuyến / tiếp nhận.' → 'Tỷ lệ hồ sơ trực tuyến (%)'.
    """
    return re.split(r"\. | = |: ", description, maxsplit=1)[0].rstrip(" .")


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
    rows = conn.execute("select agency_code from marts.dim_agency where agency_level = 'commune'")
    return frozenset(r[0] for r in rows)
