"""Open-data exports from real dbt-built marts: CSV, XLSX, JSON, a Frictionless data package and DCAT, written
deterministically, only when something changed, and with small commune counts suppressed. The datasets are the
open-data exposures of dbt's manifest; their published columns are the ones marked in the marts' YAML."""

from __future__ import annotations

import calendar
import copy
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from frictionless import Package

from chiso.config import PROJECT_ROOT, settings
from chiso.dbt import dbt_target_dir
from publish import export_all, exporter
from publish.catalogue import CatalogueError
from publish.columns import PrivacyError, classify
from publish.dbt_docs import split_bilingual

SYNTHETIC_TAG = "[DỮ LIỆU MÔ PHỎNG / SYNTHETIC]"
#: The sum_of_parts identities of mart_tthc_agency_month's YAML: (total, parts...).
TTHC_IDENTITIES = [
    ("received_count", "received_online_count", "received_direct_count"),
    ("resolved_count", "resolved_early_count", "resolved_on_deadline_count", "resolved_overdue_count"),
    ("resolved_in_time_count", "resolved_early_count", "resolved_on_deadline_count"),
]
DUBLIN_CORE = {  # Thông tư 24/2011/TT-BTTTT element -> DCAT property holding it
    "title": "dct:title", "creator": "dct:creator", "date": "dct:modified", "description": "dct:description",
    "publisher": "dct:publisher", "identifier": "dct:identifier", "language": "dct:language",
    "source": "dct:source", "contributor": "dct:contributor", "subject": "dct:subject",
}


@dataclass(frozen=True)
class Declared:
    """An open-data exposure as this test reads it from dbt's manifest and the mart's YAML file itself."""

    code: str
    model: str
    key: list[str]  # the mart's unique_combination test
    meta: dict  # the exposure's config.meta.open_data
    marked: list[str]  # columns marked publish.include in the mart's YAML file, in its order


def _declared(manifest: dict) -> dict[str, Declared]:
    nodes = manifest["nodes"]
    found = {}
    for exposure in manifest["exposures"].values():
        meta = exposure["config"]["meta"].get("open_data")
        if meta is None:
            continue
        (model_id,) = exposure["depends_on"]["nodes"]
        model = nodes[model_id]
        (key,) = [t["test_metadata"]["kwargs"]["columns"] for t in nodes.values()
                  if t["resource_type"] == "test" and t.get("attached_node") == model_id
                  and (t.get("test_metadata") or {}).get("name") == "unique_combination"]
        yml = yaml.safe_load((PROJECT_ROOT / "dbt_project" / model["patch_path"].split("://", 1)[1]).read_text("utf-8"))
        (columns,) = [m["columns"] for m in yml["models"] if m["name"] == model["name"]]
        marked = [c["name"] for c in columns if c.get("config", {}).get("meta", {}).get("publish", {}).get("include")]
        found[exposure["name"]] = Declared(exposure["name"], model["name"], key, meta, marked)
    return found


def _export(url: str, out: Path, *, min_cell: int | None = None, dbt_manifest: Path | None = None) -> list:
    return export_all(url, out, dbt_manifest=dbt_manifest or dbt_target_dir() / "manifest.json",
                      min_cell=settings().publish_min_cell if min_cell is None else min_cell)


pytestmark = pytest.mark.warehouse("built")


@pytest.fixture(scope="module")
def marts(warehouse_url) -> str:
    """Two months of every source through dbt (conftest.BUILT_WINDOW, the built warehouse): the marts the exports
    read."""
    return warehouse_url


@pytest.fixture(scope="module")
def dbt_manifest(marts) -> dict:
    return json.loads((dbt_target_dir() / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def datasets(dbt_manifest) -> dict[str, Declared]:
    declared = _declared(dbt_manifest)
    assert declared, "no open-data exposure in the dbt manifest"
    return declared


@pytest.fixture(scope="module")
def out_dir(marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    _export(marts, out)
    return out


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _catalogue(conn) -> dict[str, dict]:
    cur = conn.execute("select * from marts.mart_open_data_catalogue")
    names = [d.name for d in cur.description]
    return {row[0]: dict(zip(names, row, strict=False)) for row in cur.fetchall()}


def _mart(conn, model: str) -> tuple[list[str], list[tuple]]:
    cur = conn.execute(f"select * from marts.{model}")
    return [d.name for d in cur.description], cur.fetchall()


def _snapshot(out: Path) -> dict[str, tuple[int, str]]:
    return {p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in out.iterdir()}


def test_every_open_data_exposure_is_published_as_csv_xlsx_and_json_with_checksums(out_dir, conn, datasets):
    manifest = _manifest(out_dir)
    assert {d["dataset"] for d in manifest["datasets"]} == set(datasets)
    for entry in manifest["datasets"]:
        rows = conn.execute(f"select count(*) from marts.{datasets[entry['dataset']].model}").fetchone()[0]
        assert entry["rows"] == rows > 0, entry["dataset"]
        assert entry["path"] == f"{entry['dataset']}.csv"
        assert set(entry["files"]) == {"csv", "xlsx", "json"}
        for file in entry["files"].values():
            data = (out_dir / file["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == file["sha256"] and len(data) == file["bytes"], file["path"]


def test_the_catalogue_mart_lists_every_open_data_exposure_with_its_publisher(conn, datasets, dbt_manifest):
    catalogue = _catalogue(conn)
    assert set(catalogue) == set(datasets)
    agencies = {code: (vi, en) for code, vi, en in
                conn.execute("select agency_code, name_vi, name_en from marts.dim_agency where is_current")}
    for code, ds in datasets.items():
        row = catalogue[code]
        owner = dbt_manifest["exposures"][f"exposure.chiso.{code}"]["owner"]["name"]
        publisher = owner.rsplit("(", 1)[1].rstrip(")")
        assert row["source_model"] == ds.model and row["title_vi"] == ds.meta["title_vi"], code
        assert row["keywords_vi"].split(";") == ds.meta["keywords_vi"], code
        assert (row["publisher_agency_code"], row["publisher_name_vi"], row["publisher_name_en"]) == (
            publisher, *agencies[publisher]), code
        assert row["last_loaded_at"] is not None, code  # its feeds were loaded by the fixture


def test_exports_hold_exactly_the_columns_marked_in_the_mart_yaml(out_dir, datasets):
    descriptor = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {r["path"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]}
    for code, ds in datasets.items():
        assert ds.marked, code
        header = list(pd.read_csv(out_dir / f"{code}.csv", encoding="utf-8-sig", nrows=0).columns)
        assert header[:len(ds.marked)] == ds.marked, code
        assert header[len(ds.marked):] in ([], ["suppressed_columns"]), code  # the privacy flag, last
        assert list(json.loads((out_dir / f"{code}.json").read_text(encoding="utf-8"))[0]) == header, code
        sheet = openpyxl.load_workbook(out_dir / f"{code}.xlsx", read_only=True).worksheets[0]
        assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))] == header, code  # under the labels
        assert schemas[f"{code}.csv"] == header, code


def _write_manifest(manifest: dict, path: Path) -> Path:
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return path


def _mark(node: dict, column: str, include: bool) -> None:
    for meta in (node["columns"][column]["config"]["meta"], node["columns"][column]["meta"]):
        meta["publish"] = {"include": include}


def test_a_column_left_unmarked_is_in_no_file(marts, dbt_manifest, datasets, tmp_path):
    manifest = copy.deepcopy(dbt_manifest)
    _mark(manifest["nodes"]["model.chiso.mart_tthc_agency_month"], "month_label_vi", False)
    _export(marts, tmp_path / "out", dbt_manifest=_write_manifest(manifest, tmp_path / "manifest.json"))
    expected = [c for c in datasets["tthc_dossiers_by_agency_month"].marked if c != "month_label_vi"]
    header = list(pd.read_csv(tmp_path / "out/tthc_dossiers_by_agency_month.csv", encoding="utf-8-sig").columns)
    assert header == [*expected, "suppressed_columns"]
    records = json.loads((tmp_path / "out/tthc_dossiers_by_agency_month.json").read_text(encoding="utf-8"))
    assert "month_label_vi" not in records[0] and "month_start" in records[0]
    package = Package(tmp_path / "out/datapackage.json")
    assert package.validate().valid
    assert "month_label_vi" not in package.get_resource("tthc-dossiers-by-agency-month").schema.field_names


#: What a new dataset's exposure holds (here for a mart not yet published: signed e-documents by month and level).
NEW_DATASET = {
    "title_vi": "Văn bản điện tử được ký số theo tháng và cấp", "title_en": "Digitally signed documents by month",
    "description_vi": "Văn bản đến, đi và văn bản đi được ký số.", "description_en": "Documents and the signed share.",
    "topic_vi": "Chuyển đổi số", "topic_en": "Digital transformation", "keywords_vi": ["văn bản điện tử", "ký số"],
    "update_frequency": "monthly", "temporal_column": "month_start", "temporal_grain": "month",
    "spatial_coverage_vi": "Tỉnh Lâm Đồng", "license_id": "CC-BY-4.0", "grain_vi": "một dòng cho mỗi tháng × cấp",
    "grain_en": "one row per month × level", "source_names": ["edoc"],
}


def _with_exposure(manifest: dict, name: str, model: str, open_data: dict,
                   owner: str = "Văn phòng UBND tỉnh (ld_vp_ubnd)") -> dict:
    """The manifest as dbt writes it after an exposure is added to ``model``'s YAML, every column marked."""
    manifest = copy.deepcopy(manifest)
    manifest["exposures"][f"exposure.chiso.{name}"] = {
        "name": name, "resource_type": "exposure", "original_file_path": "models/marts/x/_x.yml",
        "owner": {"name": owner, "email": "x@lamdong.gov.vn"}, "depends_on": {"nodes": [f"model.chiso.{model}"]},
        "config": {"meta": {"open_data": open_data}}, "meta": {"open_data": open_data}}
    node = manifest["nodes"][f"model.chiso.{model}"]
    for column in node["columns"]:
        _mark(node, column, True)
    return manifest


def test_a_dataset_is_published_from_its_exposure_alone(marts, conn, dbt_manifest, datasets, tmp_path):
    manifest = _with_exposure(dbt_manifest, "edoc_signed_by_month_level", "mart_edoc_signed_month", NEW_DATASET)
    _export(marts, tmp_path / "out", dbt_manifest=_write_manifest(manifest, tmp_path / "manifest.json"))
    entries = {e["dataset"]: e for e in _manifest(tmp_path / "out")["datasets"]}
    assert set(entries) == set(datasets) | {"edoc_signed_by_month_level"}
    rows, first, last = conn.execute("select count(*), min(month_start), max(month_start)"
                                     " from marts.mart_edoc_signed_month").fetchone()
    entry = entries["edoc_signed_by_month_level"]
    assert entry["rows"] == rows > 0 and entry["metadata"]["publisher"]["code"] == "ld_vp_ubnd"
    assert entry["metadata"]["temporal_start"] == first.isoformat()
    assert entry["metadata"]["temporal_end"] == date(last.year, last.month,
                                                     calendar.monthrange(last.year, last.month)[1]).isoformat()
    assert Package(tmp_path / "out/datapackage.json").validate().valid
    dcat = json.loads((tmp_path / "out/catalog.jsonld").read_text(encoding="utf-8"))
    assert "edoc_signed_by_month_level" in {d["dct:identifier"] for d in dcat["dcat:dataset"]}
    assert 'href="edoc_signed_by_month_level.csv"' in (tmp_path / "out/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("change", "message"), [
    ({"temporal_colum": "month_start"}, "unknown key.*temporal_colum"),
    ({"license_id": "MIT"}, "license_id is 'MIT'"),
    ({"title_en": ""}, "lacks title_en"),
    ({"keywords_vi": "văn bản; ký số"}, "keywords_vi must be a list"),
    ({"temporal_end_column": "month_end"}, "'month_end' is not a column"),
    ({"chart": {"column": "documents_printed"}}, r"chart\.column 'documents_printed' is not a published column"),
    ({"chart": {"column": "month_label_vi"}}, "'month_label_vi' is a label column, not numeric"),
    ({"chart": {"column": "signed_rate_pct"}}, "'signed_rate_pct' is a rate: name the counts"),
    ({"chart": {"column": "signed_rate_pct", "numerator": "documents_signed", "denominator": "month_label_vi"}},
     r"chart\.denominator 'month_label_vi' is a label column, not a count"),
    ({"chart": {"column": "signed_rate_pct", "numerator": "documents_received", "denominator": "documents_issued"}},
     "chart signed_rate_pct is not documents_received / documents_issued"),
])
def test_a_wrong_declaration_is_refused_naming_the_dataset(marts, dbt_manifest, tmp_path, change, message):
    manifest = _with_exposure(dbt_manifest, "edoc_signed_by_month_level", "mart_edoc_signed_month",
                              {**NEW_DATASET, **change})
    with pytest.raises(CatalogueError, match=f"edoc_signed_by_month_level.*{message}"):
        _export(marts, tmp_path / "out", dbt_manifest=_write_manifest(manifest, tmp_path / "manifest.json"))
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_an_exposure_whose_owner_names_no_agency_is_refused(marts, dbt_manifest, tmp_path):
    manifest = _with_exposure(dbt_manifest, "edoc_signed_by_month_level", "mart_edoc_signed_month", NEW_DATASET,
                              owner="Văn phòng UBND tỉnh")
    with pytest.raises(CatalogueError, match=r"edoc_signed_by_month_level.*owner\.name must name the publisher"):
        _export(marts, tmp_path / "out", dbt_manifest=_write_manifest(manifest, tmp_path / "manifest.json"))


def test_the_data_package_validates_with_frictionless(out_dir, datasets):
    package = Package(out_dir / "datapackage.json")
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])[:5]
    assert {r.name for r in package.resources} == {code.replace("_", "-") for code in datasets}
    for resource in package.resources:
        assert resource.schema.primary_key == datasets[resource.path.removesuffix(".csv")].key
        for field in resource.schema.fields:
            assert field.title and field.description, f"{resource.name}.{field.name}"


def _docs_blocks() -> dict[str, str]:
    """The shared descriptions of dbt_project/models/docs/*.md, read without dbt."""
    blocks: dict[str, str] = {}
    for path in (PROJECT_ROOT / "dbt_project/models/docs").glob("*.md"):
        for name, body in re.findall(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", path.read_text(encoding="utf-8"),
                                     flags=re.S):
            blocks[name] = body.strip()
    return blocks


def test_field_descriptions_come_from_the_dbt_yaml_and_counts_and_rates_carry_units(out_dir):
    yml = yaml.safe_load((PROJECT_ROOT / "dbt_project/models/marts/tthc/_tthc.yml").read_text(encoding="utf-8"))
    blocks = _docs_blocks()
    documented = {c["name"]: re.sub(r"{{\s*doc\('(\w+)'\)\s*}}", lambda m: blocks[m.group(1)], c["description"])
                  for c in yml["models"][0]["columns"]}
    assert any("{{" in c["description"] for c in yml["models"][0]["columns"]), "shared descriptions are docs blocks"
    descriptor = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
    tthc = next(r for r in descriptor["resources"] if r["path"] == "tthc_dossiers_by_agency_month.csv")
    fields = {f["name"]: f for f in tthc["schema"]["fields"]}
    for name, description in documented.items():
        assert fields[name]["description"] == description, name
    assert fields["received_count"]["type"] == "integer" and fields["received_count"]["unit"] == "count"
    assert fields["online_rate_pct"]["type"] == "number" and fields["online_rate_pct"]["unit"] == "percent"
    assert fields["month_start"]["type"] == "date"


def _same(mart_value: object, csv_value: object) -> bool:
    if mart_value is None:
        return pd.isna(csv_value)
    if isinstance(mart_value, bool):
        return csv_value == mart_value
    if isinstance(mart_value, (int, Decimal)):
        return not pd.isna(csv_value) and float(csv_value) == float(mart_value)
    if isinstance(mart_value, date):
        return csv_value == mart_value.isoformat()
    return csv_value == mart_value


def test_the_csv_round_trips_through_pandas_with_the_mart_values(out_dir, conn, datasets):
    for dataset, ds in sorted(datasets.items()):
        names, rows = _mart(conn, ds.model)
        exported = pd.read_csv(out_dir / f"{dataset}.csv", encoding="utf-8-sig", dtype=dict.fromkeys(ds.key, str))
        assert len(exported) == len(rows), dataset
        by_key = {tuple(str(r[names.index(k)]) for k in ds.key): r for r in rows}
        for _, csv_row in exported.iterrows():
            mart_row = by_key[tuple(csv_row[k] for k in ds.key)]
            hidden = str(csv_row.get("suppressed_columns", "")).split(";")
            for name, value in zip(names, mart_row, strict=False):
                if name not in ds.marked:
                    continue
                if name in hidden:
                    assert pd.isna(csv_row[name]), (dataset, name)
                else:
                    assert _same(value, csv_row[name]), (dataset, name, value, csv_row[name])


def test_csv_has_a_bom_crlf_lines_and_intact_vietnamese_names(out_dir):
    data = (out_dir / "vneid_by_commune_month.csv").read_bytes()
    assert data[:3] == b"\xef\xbb\xbf"
    assert data.count(b"\r\n") == data.count(b"\n") > 1
    assert "Đặc khu Phú Quý" in data.decode("utf-8-sig")
    frame = pd.read_csv(out_dir / "vneid_by_commune_month.csv", encoding="utf-8-sig")
    assert "Phường Mũi Né" in set(frame["commune_name_vi"])


def test_xlsx_has_vietnamese_labels_above_the_names_a_frozen_header_typed_numbers_and_a_metadata_sheet(
        out_dir, datasets):
    workbook = openpyxl.load_workbook(out_dir / "tthc_dossiers_by_agency_month.xlsx")
    assert workbook.sheetnames == ["Dữ liệu", "Metadata"]
    data = workbook.worksheets[0]
    labels, header = [c.value for c in data[1]], [c.value for c in data[2]]
    assert header == [*datasets["tthc_dossiers_by_agency_month"].marked, "suppressed_columns"]  # the CSV's names
    yml = yaml.safe_load((PROJECT_ROOT / "dbt_project/models/marts/tthc/_tthc.yml").read_text(encoding="utf-8"))
    described = {c["name"]: c["description"] for c in yml["models"][0]["columns"]}
    assert labels[header.index("received_online_count")] == split_bilingual(
        described["received_online_count"]).vi.rstrip(".")  # the column's short Vietnamese label
    assert labels[header.index("suppressed_columns")] == "Cột để trống để bảo vệ dữ liệu cá nhân"
    assert data.freeze_panes == "A3"  # both header rows stay in view
    assert data.auto_filter.ref == f"A2:{data.cell(2, len(header)).column_letter}{data.max_row}"  # on the names
    assert all(c.font.b and c.alignment.wrap_text for c in data[1]) and data["A1"].fill.fgColor.rgb.endswith("1F4E78")
    assert data.row_dimensions[1].height >= 30  # the longest labels wrap onto several lines
    assert data.column_dimensions["B"].width > 20  # agency names are long
    first = dict(zip(header, (c.value for c in data[3]), strict=False))
    assert isinstance(first["received_count"], int)
    assert data.cell(3, header.index("received_count") + 1).data_type == "n"
    assert isinstance(first["online_rate_pct"], float)
    assert first["month_start"].date() == date(2026, 1, 1)
    metadata = workbook["Metadata"]
    rows = {row[0]: row[1:3] for row in metadata.iter_rows(values_only=True) if row[0]}
    assert rows["Tiêu đề / Title"][0].startswith("Hồ sơ thủ tục hành chính theo cơ quan và tháng")
    assert rows["Cơ quan công bố / Publisher"] == ("Văn phòng Ủy ban nhân dân tỉnh",
                                                    "Office of the Provincial People's Committee")
    assert rows["Giấy phép / Licence"][0].startswith("CC-BY-4.0")
    assert rows["received_online_count"][0] == labels[header.index("received_online_count")]  # the column table
    assert all(metadata.row_dimensions[r].height for r, row in enumerate(metadata.iter_rows(values_only=True), 1)
               if any(row)), "every Metadata row with text has its height set"


def test_json_holds_the_same_rows_with_numbers_as_numbers(out_dir):
    records = json.loads((out_dir / "signature_certificates_by_type_level.json").read_text(encoding="utf-8"))
    frame = pd.read_csv(out_dir / "signature_certificates_by_type_level.csv", encoding="utf-8-sig")
    assert len(records) == len(frame)
    assert [r["certificates_in_use"] for r in records] == frame["certificates_in_use"].tolist()
    assert all(isinstance(r["certificates_issued"], int) and isinstance(r["is_synthetic"], bool) for r in records)


def _coverage(conn, ds: Declared) -> tuple[date, date]:
    """First and last day the mart covers, by the exposure's temporal_* keys (a month stands for all its days)."""
    start_col = ds.meta["temporal_column"]
    end_col = ds.meta.get("temporal_end_column", start_col)
    start, end = conn.execute(f"select min({start_col}), max({end_col}) from marts.{ds.model}").fetchone()
    if ds.meta.get("temporal_grain") == "month":
        end = date(end.year, end.month, calendar.monthrange(end.year, end.month)[1])
    return start, end


def test_the_dcat_catalogue_covers_the_dublin_core_elements_for_every_dataset(out_dir, conn, datasets):
    catalogue = _catalogue(conn)
    document = json.loads((out_dir / "catalog.jsonld").read_text(encoding="utf-8"))
    assert document["@type"] == "dcat:Catalog"
    described = {d["dct:identifier"]: d for d in document["dcat:dataset"]}
    assert set(described) == set(datasets)
    manifest = {e["dataset"]: e for e in _manifest(out_dir)["datasets"]}
    for code, ds in described.items():
        for element, prop in DUBLIN_CORE.items():
            assert ds.get(prop), f"{code}: Dublin Core {element} ({prop}) missing"
        assert {t["@language"] for t in ds["dct:title"]} == {"vi", "en"}
        title_vi = next(t["@value"] for t in ds["dct:title"] if t["@language"] == "vi")
        assert title_vi.startswith(catalogue[code]["title_vi"])
        assert {n["@value"] for n in ds["dct:publisher"]["foaf:name"]} == {
            catalogue[code]["publisher_name_vi"], catalogue[code]["publisher_name_en"]}
        start, end = _coverage(conn, datasets[code])
        assert ds["dct:temporal"]["dcat:startDate"]["@value"] == start.isoformat(), code
        assert ds["dct:temporal"]["dcat:endDate"]["@value"] == end.isoformat(), code
        assert ds["dct:accrualPeriodicity"]["@id"].endswith(catalogue[code]["update_frequency"].upper())
        assert ds["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
        assert {lang["@id"].rsplit("/", 1)[1] for lang in ds["dct:language"]} == {"vi", "en"}
        checksums = {d["dcat:downloadURL"]["@id"]: d["spdx:checksum"]["spdx:checksumValue"]
                     for d in ds["dcat:distribution"]}
        assert checksums == {f["path"]: f["sha256"] for f in manifest[code]["files"].values()}


def test_synthetic_data_is_labelled_in_the_titles_and_descriptions(out_dir, conn, datasets):
    synthetic = {code for code, ds in datasets.items()
                 if conn.execute(f"select bool_or(is_synthetic) from marts.{ds.model}").fetchone()[0]}
    assert synthetic  # the simulator's data
    document = json.loads((out_dir / "catalog.jsonld").read_text(encoding="utf-8"))
    for ds in document["dcat:dataset"]:
        titles = " ".join(t["@value"] for t in ds["dct:title"])
        assert (SYNTHETIC_TAG in titles) == (ds["dct:identifier"] in synthetic), ds["dct:identifier"]


def test_the_export_folder_is_a_static_site(out_dir, datasets):
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    for code in datasets:
        for ext in ("csv", "xlsx", "json"):
            assert f'href="{code}.{ext}"' in index
    assert 'href="datapackage.json"' in index and 'href="catalog.jsonld"' in index


def test_a_second_publish_with_unchanged_marts_writes_nothing(marts, out_dir):
    before = _snapshot(out_dir)
    again = _export(marts, out_dir)
    assert not any(e.changed for e in again)
    assert _snapshot(out_dir) == before  # same bytes, same mtimes: nothing rewritten


def test_a_dataset_whose_csv_is_the_one_published_is_not_rendered_again(marts, out_dir, monkeypatch, datasets):
    """The XLSX and JSON of an unchanged dataset are taken from the folder (most of publish time at 3 years of
    history); files missing, or made by other writers, are rendered again."""
    rendered: list[str] = []
    real = exporter.render_xlsx
    monkeypatch.setattr(exporter, "render_xlsx", lambda ds, *args: rendered.append(ds.code) or real(ds, *args))
    assert not any(e.changed for e in _export(marts, out_dir)) and rendered == []
    code = sorted(datasets)[0]
    (out_dir / f"{code}.json").unlink()
    assert {e.dataset for e in _export(marts, out_dir) if e.changed} == {code} and rendered == [code]
    monkeypatch.setattr(exporter, "writers_sha256", lambda: "other writers")
    _export(marts, out_dir)
    assert sorted(rendered[1:]) == sorted(datasets)
    monkeypatch.undo()
    _export(marts, out_dir)  # the manifest names today's writers again, for the tests after this one


def test_the_same_marts_give_byte_identical_data_files(marts, out_dir, tmp_path, datasets):
    _export(marts, tmp_path)
    for code in datasets:
        for ext in ("csv", "xlsx", "json"):
            assert (tmp_path / f"{code}.{ext}").read_bytes() == (out_dir / f"{code}.{ext}").read_bytes(), code


def test_a_changed_mart_republishes_only_that_dataset(marts, out_dir, conn, datasets):
    before, manifest_before = _snapshot(out_dir), _manifest(out_dir)
    bump = ("update marts.mart_signature_certificates_month set certificates_issued = certificates_issued + %s"
            " where month_start = '2026-02-01' and agency_level = 'province' and holder_type = 'personal'"
            " and medium = 'usb_token'")
    conn.execute(bump, (1,))
    try:
        results = {e.dataset: e.changed for e in _export(marts, out_dir)}
    finally:
        conn.execute(bump, (-1,))
    assert results == {code: code == "signature_certificates_by_type_level" for code in datasets}
    after = _snapshot(out_dir)
    changed = {name for name in after if after[name] != before[name]}
    expected = {"signature_certificates_by_type_level.csv", "signature_certificates_by_type_level.xlsx",
                "signature_certificates_by_type_level.json", "manifest.json", "datapackage.json", "catalog.jsonld"}
    # the home page shows file sizes, the dataset's page its rows and the modified date (to the minute)
    assert expected <= changed <= expected | {"index.html", "signature_certificates_by_type_level.html"}
    old = {e["dataset"]: e for e in manifest_before["datasets"]}
    new = {e["dataset"]: e for e in _manifest(out_dir)["datasets"]}
    changed_code = "signature_certificates_by_type_level"
    assert new[changed_code]["modified"] >= old[changed_code]["modified"]
    assert new[changed_code]["issued"] == old[changed_code]["issued"]
    assert all(new[c] == old[c] for c in datasets if c != "signature_certificates_by_type_level")
    _export(marts, out_dir)  # back to the unchanged mart for the tests after this one


def test_small_counts_in_commune_rows_are_suppressed_so_they_cannot_be_recomputed(marts, conn, tmp_path):
    min_cell = 50
    _export(marts, tmp_path, min_cell=min_cell)
    communes = {r[0] for r in conn.execute("select agency_code from marts.dim_agency where agency_level = 'commune'")}
    names, rows = _mart(conn, "mart_tthc_agency_month")
    mart = {(r[0], r[names.index("month_start")].isoformat()): dict(zip(names, r, strict=False)) for r in rows}
    exported = pd.read_csv(tmp_path / "tthc_dossiers_by_agency_month.csv", encoding="utf-8-sig", dtype=str,
                           keep_default_na=False)
    counts = [n for n in names if n.endswith("_count")]
    small_seen = 0
    for _, row in exported.iterrows():
        original = mart[(row["agency_code"], row["month_start"])]
        hidden = set(filter(None, row["suppressed_columns"].split(";")))
        if row["agency_code"] not in communes:
            assert not hidden and all(row[c] == str(original[c]) for c in counts)
            continue
        small = {c for c in counts if 0 < original[c] < min_cell}
        small_seen += bool(small)
        assert small <= hidden, row["agency_code"]
        assert all(row[c] == "" for c in hidden)
        assert all(not (0 < int(row[c]) < min_cell) for c in counts if row[c] != "")
        for identity in TTHC_IDENTITIES:  # one hidden member of a sum could be recomputed from the others
            assert len(hidden & set(identity)) != 1, (row["agency_code"], identity)
        if hidden:
            assert row["online_rate_pct"] == "" and row["in_time_rate_pct"] == ""
    assert small_seen > 0
    metadata = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    tthc = next(e for e in metadata["datasets"] if e["dataset"] == "tthc_dossiers_by_agency_month")
    assert tthc["suppressed_cells"] > 0


def test_a_minimum_cell_of_one_turns_suppression_off(marts, conn, tmp_path, datasets):
    _export(marts, tmp_path, min_cell=1)
    names, rows = _mart(conn, "mart_tthc_agency_month")
    exported = pd.read_csv(tmp_path / "tthc_dossiers_by_agency_month.csv", encoding="utf-8-sig")
    assert list(exported.columns) == datasets["tthc_dossiers_by_agency_month"].marked
    assert exported["resolved_overdue_count"].sum() == sum(r[names.index("resolved_overdue_count")] for r in rows)


@pytest.mark.parametrize("column", ["citizen_name", "full_name", "ho_ten", "so_dien_thoai", "email",
                                    "owner_name_vi", "notes"])
def test_columns_outside_the_allow_list_are_refused(column):
    with pytest.raises(PrivacyError, match=column):
        classify("some_dataset", column, "text")


@pytest.mark.parametrize(("column", "pg_type", "kind"), [
    ("agency_name_vi", "text", "label"), ("agency_code", "text", "code"), ("in_person_only_count", "bigint", "count"),
    ("online_rate_pct", "numeric", "rate"), ("target_year", "integer", "year"), ("is_synthetic", "boolean", "flag"),
])
def test_aggregate_columns_are_allowed(column, pg_type, kind):
    assert classify("some_dataset", column, pg_type).kind == kind


@pytest.mark.parametrize(("text", "vi", "en"), [
    ("Mã cơ quan. / Agency code.", "Mã cơ quan.", "Agency code."),
    ("Tỷ lệ (%) = trực tuyến / tiếp nhận. / Online share, %.", "Tỷ lệ (%) = trực tuyến / tiếp nhận.",
     "Online share, %."),
    ("Cấp tỉnh / Cấp xã.", "Cấp tỉnh / Cấp xã.", "Cấp tỉnh / Cấp xã."),
])
def test_dbt_descriptions_split_into_vietnamese_and_english(text, vi, en):
    assert (split_bilingual(text).vi, split_bilingual(text).en) == (vi, en)
