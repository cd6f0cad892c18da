"""The portal push against a real CKAN (tests/ckan_server.py: the project's own CKAN 2.12, or CHISO_CKAN_URL +
CHISO_CKAN_API_KEY): create, then nothing to do; dry runs that write nothing; the DataStore rows, data dictionary,
previews and licence a user sees; a changed mart pushed alone; and recovery from server errors (a fault-injecting
proxy in front of the real CKAN) and from hand edits on the portal. Every object a test makes carries a random
prefix and is purged at the end, so any CKAN can be used."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import json
import logging
import math
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ckan_server
import psycopg
import pytest
import requests
from ckan_server import CkanTarget, Fault, FaultProxy
from ckanapi import NotFound, RemoteCKAN

from chiso.config import settings
from chiso.dbt import dbt_target_dir
from conftest import admin_server_url
from publish import export_all
from publish.catalogue import LICENSES, Dataset, read_catalogue
from publish.ckan import WRITE_ACTIONS, license_register, push
from publish.dbt_docs import load_manifest
from tools.ckan.licenses import LICENSE_LIST, license_list_bytes

log = logging.getLogger(__name__)

pytestmark = pytest.mark.warehouse("built")

CHANGED = "signature_certificates_by_type_level"
MART = "marts.mart_signature_certificates_month"
BUMPED = ("month_start = '2026-02-01' and agency_level = 'commune' and holder_type = 'organisation'"
          " and medium = 'usb_token'")
REMOVED = ("month_start = '2026-02-01' and agency_level = 'province' and holder_type = 'organisation'"
           " and medium = 'usb_token'")
#: DataStore rows per call in these tests: small, so that the larger datasets load in several chunks
CHUNK_ROWS = 100
NO_VIEWS = "There are no views created for this resource yet"


def start_early(config: pytest.Config) -> None:
    """Called by conftest as the session starts: the CKAN bring-up runs beside the warehouse build."""
    ckan_server.start_early(admin_server_url)


@dataclass
class Recorder:
    """A requests session that notes every action called over HTTP (what the CKAN server actually saw)."""

    session: requests.Session = field(default_factory=requests.Session)
    calls: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.session.hooks["response"].append(self._note)

    def _note(self, response: requests.Response, *args, **kwargs) -> None:
        action = response.request.url.rsplit("/", 1)[-1]
        self.calls.append((action, response.status_code))
        log.info("CKAN call %s -> HTTP %s", action, response.status_code)

    @property
    def writes(self) -> list[str]:
        return [a for a, _ in self.calls if a in WRITE_ACTIONS]


@dataclass(frozen=True)
class Portal:
    url: str
    key: str = field(repr=False)
    organization: str
    prefix: str

    def push(self, export_dir: Path, dry_run: bool = False, via: str | None = None) -> tuple[list, Recorder]:
        recorder = Recorder()
        changes = push(export_dir, via or self.url, self.key, self.organization, dry_run=dry_run,
                       session=recorder.session, name_prefix=self.prefix, chunk_rows=CHUNK_ROWS)
        return changes, recorder

    def client(self) -> RemoteCKAN:
        return RemoteCKAN(self.url, apikey=self.key, user_agent="chiso-tests")


def _export(url: str, out: Path) -> None:
    export_all(url, out, dbt_manifest=dbt_target_dir() / "manifest.json", min_cell=settings().publish_min_cell)


def _new_portal(target: CkanTarget) -> Portal:
    run = uuid.uuid4().hex[:8]
    return Portal(target.url, target.key, f"chiso-test-{run}", f"chiso-test-{run}-")


def _purge(p: Portal) -> None:
    ck = p.client()
    for name in ck.action.package_list():
        if name.startswith(p.prefix):
            ck.action.dataset_purge(id=name)
    for name in ck.action.group_list():
        if name.startswith(p.prefix):
            ck.action.group_purge(id=name)
    with contextlib.suppress(NotFound):
        ck.action.organization_purge(id=p.organization)


@pytest.fixture(scope="module")
def exported(ckan_target, warehouse_url, tmp_path_factory) -> Path:
    """The exports of two months of every source (conftest.BUILT_WINDOW, the built warehouse). ``ckan_target``
    first: without a portal the tests skip before a warehouse is built."""
    out = tmp_path_factory.mktemp("portal-exports")
    _export(warehouse_url, out)
    return out


@pytest.fixture(scope="module")
def declared(exported) -> set[str]:
    """The open-data datasets: the exposures of dbt's manifest with config.meta.open_data."""
    manifest = json.loads((dbt_target_dir() / "manifest.json").read_text(encoding="utf-8"))
    names = {e["name"] for e in manifest["exposures"].values() if "open_data" in e["config"]["meta"]}
    assert names
    return names


@pytest.fixture(scope="module")
def catalogue(ckan_target, warehouse_url) -> dict[str, Dataset]:
    """The datasets as the catalogue reads them from dbt's docs and the marts (fields with their labels)."""
    with psycopg.connect(warehouse_url) as conn:
        cat = read_catalogue(conn, load_manifest(dbt_target_dir() / "manifest.json"), settings().publish_min_cell)
    return {ds.code: ds for ds in cat.datasets}


@pytest.fixture(scope="module")
def portal(ckan_target) -> Iterator[Portal]:
    p = _new_portal(ckan_target)
    yield p
    _purge(p)


@pytest.fixture
def other_portal(ckan_target) -> Iterator[Portal]:
    """A second, empty catalogue on the same CKAN (its own organisation and prefix)."""
    p = _new_portal(ckan_target)
    yield p
    _purge(p)


@pytest.fixture
def proxy(ckan_target) -> Iterator[FaultProxy]:
    p = FaultProxy(ckan_target.url, WRITE_ACTIONS)
    yield p
    p.close()


def _manifest(out: Path) -> dict[str, dict]:
    return {e["dataset"]: e for e in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["datasets"]}


def _packages(p: Portal, out: Path) -> dict[str, dict]:
    ck = p.client()
    return {code: ck.action.package_show(id=p.prefix + e["ckan_name"]) for code, e in _manifest(out).items()}


def _subset(exported: Path, codes: list[str], dest: Path) -> Path:
    """An export folder holding only ``codes`` (their files and manifest entries), for the cheaper fault tests."""
    dest.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    manifest["datasets"] = [e for e in manifest["datasets"] if e["dataset"] in codes]
    for entry in manifest["datasets"]:
        for file in entry["files"].values():
            shutil.copy(exported / file["path"], dest / file["path"])
    shutil.copy(exported / "datapackage.json", dest / "datapackage.json")
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return dest


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _datastore_records(ck: RemoteCKAN, resource_id: str) -> tuple[list[dict], list[dict]]:
    """Every record of the resource's DataStore table in _id order, and its fields (as datastore_search gives)."""
    records: list[dict] = []
    while True:
        page = ck.action.datastore_search(resource_id=resource_id, limit=1000, offset=len(records), sort="_id")
        records += page["records"]
        if len(records) >= page["total"]:
            return records, page["fields"]


def _cell(value: object, table_type: str) -> str:
    """A DataStore value written as the CSV writes it (an independent rendering: the CSV is the reference)."""
    if value is None:
        return ""
    if table_type == "boolean":
        return "true" if value else "false"
    return str(value)


def _same(cell: str, value: object, table_type: str) -> bool:
    if table_type == "number" and cell and value is not None:
        return math.isclose(float(cell), float(value), rel_tol=1e-12)  # numeric comes back as a JSON number
    return cell == _cell(value, table_type)


def _census(p: Portal, out: Path) -> dict[str, object]:
    """What the portal holds for the export: datasets, resources, views and DataStore rows, counted."""
    ck = p.client()
    names = sorted(n for n in ck.action.package_list() if n.startswith(p.prefix))
    found: dict[str, object] = {"datasets": names}
    for name in names:
        package = ck.action.package_show(id=name)
        for r in package["resources"]:
            views = sorted(v["view_type"] for v in ck.action.resource_view_list(id=r["id"]))
            rows = ck.action.datastore_search(resource_id=r["id"], limit=0)["total"] if r.get("datastore_active") \
                else None
            found[f"{name}/{r['name']}"] = (views, rows)
    return found


def _expected_census(p: Portal, out: Path) -> dict[str, object]:
    expected: dict[str, object] = {"datasets": sorted(p.prefix + e["ckan_name"] for e in _manifest(out).values())}
    for entry in _manifest(out).values():
        name = p.prefix + entry["ckan_name"]
        for ext, file in entry["files"].items():
            rows = len(_csv_rows(out / file["path"])[1]) if ext == "csv" else None
            views = {"csv": ["datatables_view"], "json": ["text_view"]}.get(ext, [])
            expected[f"{name}/{file['path']}"] = (views, rows)
    return expected


@dataclass(frozen=True)
class DryRun:
    changes: list
    recorder: Recorder
    organization_made: bool  # whether the organisation existed right after the dry run


@pytest.fixture(scope="module")
def empty_dry_run(exported, portal) -> DryRun:
    changes, recorder = portal.push(exported, dry_run=True)
    try:
        portal.client().action.organization_show(id=portal.organization)
        made = True
    except NotFound:
        made = False
    return DryRun(changes, recorder, made)


@pytest.fixture(scope="module")
def first_push(exported, portal, empty_dry_run):
    return portal.push(exported)


def test_the_shipped_licence_list_is_the_catalogues():
    """deploy/ckan/licenses.json (what a portal's licenses_group_url reads) is generated from LICENSES."""
    assert LICENSE_LIST.read_bytes() == license_list_bytes(), "run python -m tools.ckan.licenses"
    listed = {lic["id"]: lic for lic in json.loads(LICENSE_LIST.read_text(encoding="utf-8"))}
    assert {spdx: (lic["url"], lic["title"]) for spdx, lic in listed.items()} == {
        "CC-BY-4.0": ("https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0"),
        "CC0-1.0": ("https://creativecommons.org/publicdomain/zero/1.0/", "Creative Commons CC0 1.0"),
        "ODbL-1.0": ("https://opendatacommons.org/licenses/odbl/1-0/", "Open Data Commons ODbL 1.0")}
    assert all(lic["od_conformance"] == "approved" for lic in listed.values())


def test_the_portal_lists_the_catalogues_licences(ckan_target):
    portal_list = {lic["id"]: lic["title"] for lic in RemoteCKAN(ckan_target.url).action.license_list()}
    assert {lic["id"]: lic["title"] for lic in license_register()}.items() <= portal_list.items()


def test_a_dry_run_on_an_empty_portal_lists_every_create_and_writes_nothing(exported, portal, empty_dry_run,
                                                                           declared):
    changes, recorder = empty_dry_run.changes, empty_dry_run.recorder
    manifest = _manifest(exported)
    assert set(manifest) == declared
    topics = {e["metadata"]["topic"]["en"] for e in manifest.values()}
    kinds = [(c.action, c.entity) for c in changes]
    assert kinds.count(("create", "organization")) == 1
    assert kinds.count(("create", "group")) == len(topics)
    assert kinds.count(("create", "dataset")) == len(declared)
    assert kinds.count(("upload", "resource")) == 3 * len(manifest)
    assert kinds.count(("create", "datastore")) == len(manifest)  # one table per CSV
    chunks = sum(math.ceil(e["rows"] / CHUNK_ROWS) for e in manifest.values())
    assert kinds.count(("upsert", "datastore")) == chunks > len(manifest)  # the larger ones in several chunks
    assert kinds.count(("create", "view")) == 2 * len(manifest)  # CSV preview, JSON text view
    assert recorder.writes == [] and not empty_dry_run.organization_made


def test_the_first_push_creates_the_organization_datasets_and_resources(exported, portal, first_push, declared,
                                                                         empty_dry_run):
    changes, recorder = first_push
    assert changes == empty_dry_run.changes  # the dry run said exactly what the push then did
    assert [a for a, _ in recorder.calls].count("resource_create") == 3 * len(declared)  # CSV, XLSX, JSON
    assert all(status == 200 for a, status in recorder.calls if a in WRITE_ACTIONS)
    org = portal.client().action.organization_show(id=portal.organization)
    assert org["title"] == "Ủy ban nhân dân tỉnh Lâm Đồng" and org["package_count"] == len(declared)
    manifest = _manifest(exported)
    for code, package in _packages(portal, exported).items():
        metadata = manifest[code]["metadata"]
        assert package["title"] == metadata["title"]["vi"]
        assert package["organization"]["name"] == portal.organization
        extras = {e["key"]: e["value"] for e in package["extras"]}
        assert extras["title_en"] == metadata["title"]["en"] and extras["dct_identifier"] == manifest[code]["uri"]
        assert sorted(r["format"] for r in package["resources"]) == ["CSV", "JSON", "XLSX"]
        assert all(r["url_type"] == "upload" for r in package["resources"])
    assert _census(portal, exported) == _expected_census(portal, exported)


def test_the_licence_is_cc_by_4_0_as_in_the_exports(exported, portal, first_push):
    for code, package in _packages(portal, exported).items():
        url, title, _ = LICENSES[_manifest(exported)[code]["metadata"]["license_id"]]
        assert (package["license_id"], package["license_title"], package["license_url"]) == (
            "CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/")
        assert (package["license_title"], package["license_url"]) == (title, url) and package["isopen"]
        page = requests.get(f"{portal.url}/dataset/{package['name']}", timeout=30)
        assert page.status_code == 200 and "Creative Commons Attribution 4.0" in page.text


def test_downloads_match_the_exported_files_checksums(exported, portal, first_push):
    manifest = _manifest(exported)
    for code, package in _packages(portal, exported).items():
        expected = {f["path"]: f["sha256"] for f in manifest[code]["files"].values()}
        for resource in package["resources"]:
            body = requests.get(resource["url"], timeout=30).content
            assert hashlib.sha256(body).hexdigest() == expected[resource["name"]] == resource["hash"], resource["url"]


def test_datastore_rows_equal_the_csv_cell_for_cell(exported, portal, first_push, catalogue):
    ck = portal.client()
    for code, package in _packages(portal, exported).items():
        csv_file = _manifest(exported)[code]["files"]["csv"]["path"]
        resource = next(r for r in package["resources"] if r["name"] == csv_file)
        header, rows = _csv_rows(exported / csv_file)
        records, fields = _datastore_records(ck, resource["id"])
        types = {f.name: f.table_type for f in catalogue[code].fields}
        assert [f["id"] for f in fields] == ["_id", *header] == ["_id", *types]
        assert len(records) == len(rows) == _manifest(exported)[code]["rows"]
        for line, (row, record) in enumerate(zip(rows, records, strict=True), start=2):
            for name, cell in zip(header, row, strict=True):
                assert _same(cell, record[name], types[name]), f"{csv_file} line {line} column {name}: {cell!r}" \
                    f" in the CSV, {record[name]!r} in the DataStore"
        empty = sum(cell == "" for row in rows for cell in row)
        assert sum(v is None for r in records for k, v in r.items() if k != "_id") == empty  # empty cells are null


def test_suppressed_cells_stay_null_in_the_datastore(exported, portal, first_push):
    ck = portal.client()
    flagged = 0
    for code, package in _packages(portal, exported).items():
        csv_file = _manifest(exported)[code]["files"]["csv"]["path"]
        resource = next(r for r in package["resources"] if r["name"] == csv_file)
        records, _ = _datastore_records(ck, resource["id"])
        for record in records:
            for column in (record.get("suppressed_columns") or "").split(";"):
                if column:
                    flagged += 1
                    assert record[column] is None, f"{code} _id {record['_id']}: {column} was suppressed"
    assert flagged == sum(e["suppressed_cells"] for e in _manifest(exported).values()) > 0


def test_the_data_dictionary_carries_the_dbt_docs_in_vietnamese_and_english(exported, portal, first_push,
                                                                           catalogue):
    ck = portal.client()
    pg_types = {"integer": "int8", "year": "int8", "number": "numeric", "date": "date", "string": "text",
                "boolean": "bool"}
    for code, package in _packages(portal, exported).items():
        ds = catalogue[code]
        resource = next(r for r in package["resources"] if r["format"] == "CSV")
        info = ck.action.datastore_info(id=resource["id"])
        fields = {f["id"]: f for f in info["fields"]}
        assert list(fields) == [f.name for f in ds.fields]
        for f in ds.fields:
            got = fields[f.name]
            assert got["type"] == pg_types[f.table_type], (code, f.name)
            assert got["info"]["label"] == f.title.vi
            assert got["info"]["label_translated"] == {"vi": f.title.vi, "en": f.title.en}
            assert got["info"]["notes_translated"]["vi"].startswith(f.description.vi)
            assert got["info"]["notes_translated"]["en"].startswith(f.description.en)
            assert f.description.vi in got["info"]["notes"] and f.description.en in got["info"]["notes"]
        assert ds.unique_key
        indexed = {name for name, f in fields.items() if f["schema"]["is_index"]}
        assert indexed == set(ds.unique_key), code  # the dataset's key is the table's unique (primary) key
        for lang, prefix in (("en", ""), ("vi", "/vi")):  # the resource page shows them in the page's language
            page = requests.get(f"{portal.url}{prefix}/dataset/{package['name']}/resource/{resource['id']}",
                                timeout=30)
            text = html.unescape(page.text)
            assert page.status_code == 200
            missing = [getattr(f.title, lang) for f in ds.fields if getattr(f.title, lang) not in text]
            assert not missing, f"{code}: the {lang} resource page lacks the labels {missing}"


def test_every_csv_resource_page_shows_its_data_preview(exported, portal, first_push, browser):
    from browser import open_page

    ck = portal.client()
    for package in _packages(portal, exported).values():
        for resource in package["resources"]:
            views = ck.action.resource_view_list(id=resource["id"])
            page = requests.get(f"{portal.url}/dataset/{package['name']}/resource/{resource['id']}", timeout=30)
            assert page.status_code == 200
            if resource["format"] == "XLSX":
                assert views == [] and NO_VIEWS in page.text
                continue
            assert NO_VIEWS not in page.text and f"/view/{views[0]['id']}" in page.text
            if resource["format"] == "CSV":
                assert [v["view_type"] for v in views] == ["datatables_view"]
                rows = ck.action.datastore_search(resource_id=resource["id"], limit=5)["records"]
                assert rows
    package = _packages(portal, exported)[CHANGED]
    csv_resource = next(r for r in package["resources"] if r["format"] == "CSV")
    view = ck.action.resource_view_list(id=csv_resource["id"])[0]
    with open_page(browser, f"{portal.url}/dataset/{package['name']}/resource/{csv_resource['id']}/view/"
                            f"{view['id']}") as opened:
        opened.page.wait_for_selector("#dtprv tbody tr td", timeout=30_000)
        shown = opened.page.locator("#dtprv tbody tr").count()
    assert shown >= 1  # the preview table is filled from the DataStore by the browser


def test_a_second_push_changes_nothing_and_makes_no_write_call(exported, portal, first_push):
    before = {code: p["metadata_modified"] for code, p in _packages(portal, exported).items()}
    changes, recorder = portal.push(exported)
    assert changes == []
    assert recorder.writes == [] and recorder.calls  # it did read the portal
    assert {code: p["metadata_modified"] for code, p in _packages(portal, exported).items()} == before


def test_a_changed_mart_is_listed_by_a_dry_run_then_pushed_alone(exported, portal, first_push, warehouse_url, conn):
    removed = conn.execute(f"select * from {MART} where {REMOVED}").fetchall()
    columns = [c.name for c in conn.execute(f"select * from {MART} limit 0").description]
    assert len(removed) == 1
    conn.execute(f"update {MART} set certificates_in_use = certificates_in_use + 1 where {BUMPED}")
    conn.execute(f"delete from {MART} where {REMOVED}")
    try:
        _export(warehouse_url, exported)
    finally:
        conn.execute(f"update {MART} set certificates_in_use = certificates_in_use - 1 where {BUMPED}")
        conn.execute(f"insert into {MART} ({', '.join(columns)}) values ({', '.join(['%s'] * len(columns))})",
                     removed[0])
    before = _packages(portal, exported)
    planned, dry = portal.push(exported, dry_run=True)
    name = portal.prefix + CHANGED.replace("_", "-")
    assert dry.writes == []
    assert planned and all(c.name.startswith(name) for c in planned)
    kinds = [(c.action, c.entity) for c in planned]
    assert kinds.count(("upload", "resource")) == 3  # CSV, XLSX and JSON all hold the changed figure
    assert kinds.count(("upsert", "datastore")) == 1  # the one changed row, not a reload
    assert kinds.count(("delete", "datastore")) == 1  # the removed row
    assert set(kinds) <= {("upload", "resource"), ("patch", "dataset"), ("upsert", "datastore"),
                          ("delete", "datastore"), ("patch", "resource")}
    assert _packages(portal, exported)[CHANGED]["metadata_modified"] == before[CHANGED]["metadata_modified"]

    applied, recorder = portal.push(exported)
    assert applied == planned
    actions = {("patch", "dataset"): "package_patch", ("upload", "resource"): "resource_patch",
               ("patch", "resource"): "resource_patch", ("upsert", "datastore"): "datastore_upsert",
               ("delete", "datastore"): "datastore_records_delete"}
    assert sorted(recorder.writes) == sorted(actions[k] for k in kinds)
    after = _packages(portal, exported)
    assert all(after[c]["metadata_modified"] == before[c]["metadata_modified"] for c in after if c != CHANGED)
    new_csv = _manifest(exported)[CHANGED]["files"]["csv"]
    csv_resource = next(r for r in after[CHANGED]["resources"] if r["name"] == new_csv["path"])
    assert hashlib.sha256(requests.get(csv_resource["url"], timeout=30).content).hexdigest() == new_csv["sha256"]

    header, rows = _csv_rows(exported / new_csv["path"])
    records, _ = _datastore_records(portal.client(), csv_resource["id"])
    keyed = {(r["month_start"], r["agency_level"], r["holder_type"], r["medium"]): r for r in records}
    assert len(keyed) == len(records) == len(rows)
    assert ("2026-02-01", "province", "organisation", "usb_token") not in keyed  # the removed row is gone
    bumped = [dict(zip(header, row, strict=True)) for row in rows]
    bumped_row = next(r for r in bumped if (r["month_start"], r["agency_level"], r["holder_type"], r["medium"])
                      == ("2026-02-01", "commune", "organisation", "usb_token"))
    assert str(keyed[("2026-02-01", "commune", "organisation", "usb_token")]["certificates_in_use"]) == \
        bumped_row["certificates_in_use"]
    again, recorder = portal.push(exported)
    assert again == [] and recorder.writes == []


def test_an_organization_create_that_answers_500_but_saved_is_recovered(exported, other_portal, proxy, tmp_path):
    export = _subset(exported, [CHANGED], tmp_path / "one")
    fault = proxy.arm(Fault("organization_create", forward=True))
    changes, recorder = other_portal.push(export, via=proxy.url)
    assert fault.fired and ("organization_create", 500) in recorder.calls
    ck = other_portal.client()
    assert ck.action.organization_show(id=other_portal.organization)["package_count"] == 1
    assert [c for c in changes if c.entity == "organization"] and _census(other_portal, export) == \
        _expected_census(other_portal, export)
    again, recorder = other_portal.push(export)
    assert again == [] and recorder.writes == []


@pytest.mark.parametrize(("action", "nth", "forward", "recovered"), [
    ("package_create", 2, True, True),  # saved, the answer lost: read back, the push goes on
    ("resource_create", 2, True, True),
    ("resource_create", 3, False, False),  # never reached CKAN: the push stops, saying what to do
    ("datastore_create", 1, False, False),
    ("datastore_upsert", 2, True, False),  # half-way through a table's chunks
    ("resource_patch", 1, True, False),  # the DataStore marks of the first CSV
    ("resource_view_create", 2, True, True),
])
def test_a_server_error_in_the_middle_of_a_push_is_mended_by_the_next_push(exported, other_portal, proxy, tmp_path,
                                                                           action, nth, forward, recovered):
    export = _subset(exported, [CHANGED, _largest(exported)], tmp_path / "two")
    fault = proxy.arm(Fault(action, nth=nth, forward=forward))
    if recovered:
        other_portal.push(export, via=proxy.url)
    else:
        with pytest.raises(RuntimeError, match=rf"CKAN {action} for \w+ {other_portal.prefix}\S+ failed.*push again"):
            other_portal.push(export, via=proxy.url)
        assert _census(other_portal, export) != _expected_census(other_portal, export)
        changes, _ = other_portal.push(export)
        assert changes  # it finished what the first push left
    assert fault.fired and (action, 500) in proxy.calls
    assert _census(other_portal, export) == _expected_census(other_portal, export)  # nothing twice, nothing missing
    again, recorder = other_portal.push(export)
    assert again == [] and recorder.writes == []


def _largest(exported: Path) -> str:
    return max(_manifest(exported).values(), key=lambda e: e["rows"])["dataset"]


def test_a_dataset_edited_by_hand_on_the_portal_is_restored_by_the_next_push(exported, portal, first_push):
    ck = portal.client()
    packages = _packages(portal, exported)
    first, second = sorted(packages)[:2]
    ck.action.package_patch(id=packages[first]["id"], title="Sửa tay / edited by hand")
    csv_first = next(r for r in packages[first]["resources"] if r["format"] == "CSV")
    ck.action.resource_delete(id=csv_first["id"])
    csv_second = next(r for r in packages[second]["resources"] if r["format"] == "CSV")
    ck.action.resource_view_delete(id=ck.action.resource_view_list(id=csv_second["id"])[0]["id"])

    changes, recorder = portal.push(exported)
    kinds = sorted((c.action, c.entity, c.name.rsplit("/", 1)[-1]) for c in changes)
    csv_name = _manifest(exported)[first]["files"]["csv"]["path"]
    rows = _manifest(exported)[first]["rows"]
    assert kinds == sorted([("patch", "dataset", packages[first]["name"]),
                            ("upload", "resource", csv_name), ("create", "datastore", csv_name),
                            *[("upsert", "datastore", csv_name)] * math.ceil(rows / CHUNK_ROWS),
                            ("patch", "resource", csv_name), ("create", "view", csv_name),
                            ("create", "view", _manifest(exported)[second]["files"]["csv"]["path"])])
    assert _packages(portal, exported)[first]["title"] == _manifest(exported)[first]["metadata"]["title"]["vi"]
    assert _census(portal, exported) == _expected_census(portal, exported)
    again, recorder = portal.push(exported)
    assert again == [] and recorder.writes == []
