"""Open-data exports from real dbt-built marts: CSV, XLSX, JSON, a Frictionless data package and DCAT, written
deterministically, only when something changed, and with small commune counts suppressed."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from frictionless import Package

from chiso.config import PROJECT_ROOT
from publish import export_all
from publish.columns import PrivacyError, classify
from publish.dbt_docs import split_bilingual

SYNTHETIC_TAG = "[DỮ LIỆU MÔ PHỎNG / SYNTHETIC]"
#: Row keys as the marts' YAML declares them (unique_combination tests).
KEYS = {
    "tthc_dossiers_by_agency_month": ["agency_code", "month_start"],
    "online_services_by_agency_month": ["agency_code", "month_start"],
    "vneid_by_commune_month": ["agency_code", "month_start"],
    "signature_certificates_by_type_level": ["month_start", "agency_level", "holder_type", "medium"],
    "scorecard_08_kh_tu": ["target_id", "scope_code"],
}
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


pytestmark = pytest.mark.warehouse("built")


@pytest.fixture(scope="module")
def marts(warehouse_url) -> str:
    """Two months of every source through dbt (conftest.BUILT_WINDOW, the built warehouse): the marts the exports
    read."""
    return warehouse_url


@pytest.fixture(scope="module")
def out_dir(marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    export_all(marts, out)
    return out


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _catalogue(conn) -> dict[str, dict]:
    cur = conn.execute("select * from marts.mart_open_data_catalogue")
    names = [d.name for d in cur.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def _mart(conn, model: str) -> tuple[list[str], list[tuple]]:
    cur = conn.execute(f"select * from marts.{model}")
    return [d.name for d in cur.description], cur.fetchall()


def _snapshot(out: Path) -> dict[str, tuple[int, str]]:
    return {p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in out.iterdir()}


def test_every_catalogue_dataset_is_published_as_csv_xlsx_and_json_with_checksums(out_dir, conn):
    catalogue = _catalogue(conn)
    manifest = _manifest(out_dir)
    assert {d["dataset"] for d in manifest["datasets"]} == set(catalogue) == set(KEYS)
    for entry in manifest["datasets"]:
        rows = conn.execute(f"select count(*) from marts.{catalogue[entry['dataset']]['source_model']}").fetchone()[0]
        assert entry["rows"] == rows > 0, entry["dataset"]
        assert entry["path"] == f"{entry['dataset']}.csv"
        assert set(entry["files"]) == {"csv", "xlsx", "json"}
        for file in entry["files"].values():
            data = (out_dir / file["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == file["sha256"] and len(data) == file["bytes"], file["path"]


def test_the_data_package_validates_with_frictionless(out_dir):
    package = Package(out_dir / "datapackage.json")
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])[:5]
    assert {r.name for r in package.resources} == {code.replace("_", "-") for code in KEYS}
    for resource in package.resources:
        assert resource.schema.primary_key == KEYS[resource.path.removesuffix(".csv")]
        for field in resource.schema.fields:
            assert field.title and field.description, f"{resource.name}.{field.name}"


def test_field_descriptions_come_from_the_dbt_yaml_and_counts_and_rates_carry_units(out_dir):
    yml = yaml.safe_load((PROJECT_ROOT / "dbt_project/models/marts/tthc/_tthc.yml").read_text(encoding="utf-8"))
    documented = {c["name"]: c["description"] for c in yml["models"][0]["columns"]}
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


@pytest.mark.parametrize("dataset", sorted(KEYS))
def test_the_csv_round_trips_through_pandas_with_the_mart_values(out_dir, conn, dataset):
    model = _catalogue(conn)[dataset]["source_model"]
    names, rows = _mart(conn, model)
    exported = pd.read_csv(out_dir / f"{dataset}.csv", encoding="utf-8-sig", dtype=dict.fromkeys(KEYS[dataset], str))
    assert list(exported.columns)[:len(names)] == names
    assert len(exported) == len(rows)
    by_key = {tuple(str(r[names.index(k)]) for k in KEYS[dataset]): r for r in rows}
    for _, csv_row in exported.iterrows():
        mart_row = by_key[tuple(csv_row[k] for k in KEYS[dataset])]
        hidden = str(csv_row.get("suppressed_columns", "")).split(";")
        for name, value in zip(names, mart_row, strict=True):
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


def test_xlsx_has_a_styled_frozen_header_typed_numbers_and_a_metadata_sheet(out_dir):
    workbook = openpyxl.load_workbook(out_dir / "tthc_dossiers_by_agency_month.xlsx")
    assert "Metadata" in workbook.sheetnames
    data = workbook.worksheets[0]
    header = [c.value for c in data[1]]
    assert data.freeze_panes == "A2"
    assert all(c.font.b for c in data[1]) and data["A1"].fill.fgColor.rgb.endswith("1F4E78")
    assert data.column_dimensions["B"].width > 20  # agency names are long
    first = dict(zip(header, (c.value for c in data[2]), strict=True))
    assert isinstance(first["received_count"], int)
    assert data.cell(2, header.index("received_count") + 1).data_type == "n"
    assert isinstance(first["online_rate_pct"], float)
    assert first["month_start"].date() == date(2026, 1, 1)
    labels = {row[0]: row[1:3] for row in workbook["Metadata"].iter_rows(values_only=True) if row[0]}
    assert labels["Tiêu đề / Title"][0].startswith("Hồ sơ thủ tục hành chính theo cơ quan và tháng")
    assert labels["Cơ quan công bố / Publisher"] == ("Văn phòng Ủy ban nhân dân tỉnh",
                                                    "Office of the Provincial People's Committee")
    assert labels["Giấy phép / Licence"][0].startswith("CC-BY-4.0")


def test_json_holds_the_same_rows_with_numbers_as_numbers(out_dir):
    records = json.loads((out_dir / "signature_certificates_by_type_level.json").read_text(encoding="utf-8"))
    frame = pd.read_csv(out_dir / "signature_certificates_by_type_level.csv", encoding="utf-8-sig")
    assert len(records) == len(frame)
    assert [r["certificates_in_use"] for r in records] == frame["certificates_in_use"].tolist()
    assert all(isinstance(r["certificates_issued"], int) and isinstance(r["is_synthetic"], bool) for r in records)


def test_the_dcat_catalogue_covers_the_dublin_core_elements_for_every_dataset(out_dir, conn):
    catalogue = _catalogue(conn)
    document = json.loads((out_dir / "catalog.jsonld").read_text(encoding="utf-8"))
    assert document["@type"] == "dcat:Catalog"
    datasets = {d["dct:identifier"]: d for d in document["dcat:dataset"]}
    assert set(datasets) == set(catalogue)
    manifest = {e["dataset"]: e for e in _manifest(out_dir)["datasets"]}
    for code, ds in datasets.items():
        for element, prop in DUBLIN_CORE.items():
            assert ds.get(prop), f"{code}: Dublin Core {element} ({prop}) missing"
        assert {t["@language"] for t in ds["dct:title"]} == {"vi", "en"}
        title_vi = next(t["@value"] for t in ds["dct:title"] if t["@language"] == "vi")
        assert title_vi.startswith(catalogue[code]["title_vi"])
        assert {n["@value"] for n in ds["dct:publisher"]["foaf:name"]} == {
            catalogue[code]["publisher_name_vi"], catalogue[code]["publisher_name_en"]}
        assert ds["dct:temporal"]["dcat:startDate"]["@value"] == catalogue[code]["temporal_start"].isoformat()
        assert ds["dct:accrualPeriodicity"]["@id"].endswith(catalogue[code]["update_frequency"].upper())
        assert ds["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
        assert {lang["@id"].rsplit("/", 1)[1] for lang in ds["dct:language"]} == {"vi", "en"}
        checksums = {d["dcat:downloadURL"]["@id"]: d["spdx:checksum"]["spdx:checksumValue"]
                     for d in ds["dcat:distribution"]}
        assert checksums == {f["path"]: f["sha256"] for f in manifest[code]["files"].values()}


def test_synthetic_data_is_labelled_in_the_titles_and_descriptions(out_dir, conn):
    synthetic = {code for code, row in _catalogue(conn).items() if row["is_synthetic"]}
    assert synthetic  # the simulator's data
    document = json.loads((out_dir / "catalog.jsonld").read_text(encoding="utf-8"))
    for ds in document["dcat:dataset"]:
        titles = " ".join(t["@value"] for t in ds["dct:title"])
        assert (SYNTHETIC_TAG in titles) == (ds["dct:identifier"] in synthetic), ds["dct:identifier"]


def test_the_export_folder_is_a_static_site(out_dir):
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    for code in KEYS:
        for ext in ("csv", "xlsx", "json"):
            assert f'href="{code}.{ext}"' in index
    assert 'href="datapackage.json"' in index and 'href="catalog.jsonld"' in index


def test_a_second_publish_with_unchanged_marts_writes_nothing(marts, out_dir):
    before = _snapshot(out_dir)
    again = export_all(marts, out_dir)
    assert not any(e.changed for e in again)
    assert _snapshot(out_dir) == before  # same bytes, same mtimes: nothing rewritten


def test_the_same_marts_give_byte_identical_data_files(marts, out_dir, tmp_path):
    export_all(marts, tmp_path)
    for code in KEYS:
        for ext in ("csv", "xlsx", "json"):
            assert (tmp_path / f"{code}.{ext}").read_bytes() == (out_dir / f"{code}.{ext}").read_bytes(), code


def test_a_changed_mart_republishes_only_that_dataset(marts, out_dir, conn):
    before, manifest_before = _snapshot(out_dir), _manifest(out_dir)
    bump = ("update marts.mart_signature_certificates_month set certificates_issued = certificates_issued + %s"
            " where month_start = '2026-02-01' and agency_level = 'province' and holder_type = 'personal'"
            " and medium = 'usb_token'")
    conn.execute(bump, (1,))
    try:
        results = {e.dataset: e.changed for e in export_all(marts, out_dir)}
    finally:
        conn.execute(bump, (-1,))
    assert results == {code: code == "signature_certificates_by_type_level" for code in KEYS}
    after = _snapshot(out_dir)
    changed = {name for name in after if after[name] != before[name]}
    expected = {"signature_certificates_by_type_level.csv", "signature_certificates_by_type_level.xlsx",
                "signature_certificates_by_type_level.json", "manifest.json", "datapackage.json", "catalog.jsonld"}
    assert expected <= changed <= expected | {"index.html"}  # the index shows the date, to the second
    old = {e["dataset"]: e for e in manifest_before["datasets"]}
    new = {e["dataset"]: e for e in _manifest(out_dir)["datasets"]}
    changed_code = "signature_certificates_by_type_level"
    assert new[changed_code]["modified"] >= old[changed_code]["modified"]
    assert new[changed_code]["issued"] == old[changed_code]["issued"]
    assert all(new[c] == old[c] for c in KEYS if c != "signature_certificates_by_type_level")
    export_all(marts, out_dir)  # back to the unchanged mart for the tests after this one


def test_small_counts_in_commune_rows_are_suppressed_so_they_cannot_be_recomputed(marts, conn, tmp_path):
    min_cell = 50
    export_all(marts, tmp_path, min_cell=min_cell)
    communes = {r[0] for r in conn.execute("select agency_code from marts.dim_agency where agency_level = 'commune'")}
    names, rows = _mart(conn, "mart_tthc_agency_month")
    mart = {(r[0], r[names.index("month_start")].isoformat()): dict(zip(names, r, strict=True)) for r in rows}
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


def test_a_minimum_cell_of_one_turns_suppression_off(marts, conn, tmp_path):
    export_all(marts, tmp_path, min_cell=1)
    names, rows = _mart(conn, "mart_tthc_agency_month")
    exported = pd.read_csv(tmp_path / "tthc_dossiers_by_agency_month.csv", encoding="utf-8-sig")
    assert list(exported.columns) == names
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
