"""The portal push against a real CKAN (CHISO_CKAN_URL + CHISO_CKAN_API_KEY, a sysadmin token): create, then
nothing to do, dry runs that write nothing, and a changed mart pushed alone. Every object it makes carries a
random prefix and is purged at the end, so any CKAN can be used."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from ckanapi import NotFound, RemoteCKAN

from chiso.config import settings
from chiso.dbt import dbt_target_dir
from publish import export_all
from publish.ckan import WRITE_ACTIONS, push

log = logging.getLogger(__name__)

pytestmark = [pytest.mark.skipif(
    not (settings().ckan_url and settings().ckan_api_key),
    reason="CHISO_CKAN_URL and CHISO_CKAN_API_KEY are not set: no CKAN portal to test against"),
    pytest.mark.warehouse("built")]

CHANGED = "signature_certificates_by_type_level"
BUMP = ("update marts.mart_signature_certificates_month set certificates_in_use = certificates_in_use + %s"
        " where month_start = '2026-02-01' and agency_level = 'commune' and holder_type = 'organisation'"
        " and medium = 'usb_token'")


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
    key: str
    organization: str
    prefix: str

    def push(self, export_dir: Path, dry_run: bool = False) -> tuple[list, Recorder]:
        recorder = Recorder()
        changes = push(export_dir, self.url, self.key, self.organization, dry_run=dry_run,
                       session=recorder.session, name_prefix=self.prefix)
        return changes, recorder

    def client(self) -> RemoteCKAN:
        return RemoteCKAN(self.url, apikey=self.key, user_agent="chiso-tests")


def _export(url: str, out: Path) -> None:
    export_all(url, out, dbt_manifest=dbt_target_dir() / "manifest.json", min_cell=settings().publish_min_cell)


@pytest.fixture(scope="module")
def exported(warehouse_url, tmp_path_factory) -> Path:
    """The exports of two months of every source (conftest.BUILT_WINDOW, the built warehouse)."""
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
def portal() -> Iterator[Portal]:
    run = uuid.uuid4().hex[:8]
    cfg = settings()
    p = Portal(cfg.ckan_url, cfg.ckan_api_key, f"chiso-test-{run}", f"chiso-test-{run}-")
    yield p
    _purge(p)


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


def _manifest(out: Path) -> dict[str, dict]:
    return {e["dataset"]: e for e in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["datasets"]}


def _packages(p: Portal, out: Path) -> dict[str, dict]:
    ck = p.client()
    return {code: ck.action.package_show(id=p.prefix + e["ckan_name"]) for code, e in _manifest(out).items()}


@pytest.fixture(scope="module")
def empty_dry_run(exported, portal):
    return portal.push(exported, dry_run=True)


@pytest.fixture(scope="module")
def first_push(exported, portal, empty_dry_run):
    return portal.push(exported)


def test_a_dry_run_on_an_empty_portal_lists_every_create_and_writes_nothing(exported, portal, empty_dry_run,
                                                                           declared):
    changes, recorder = empty_dry_run
    manifest = _manifest(exported)
    assert set(manifest) == declared
    topics = {e["metadata"]["topic"]["en"] for e in manifest.values()}
    kinds = [(c.action, c.entity) for c in changes]
    assert kinds.count(("create", "organization")) == 1
    assert kinds.count(("create", "group")) == len(topics)
    assert kinds.count(("create", "dataset")) == len(declared)
    assert kinds.count(("upload", "resource")) == 3 * len(manifest)
    assert recorder.writes == []
    with pytest.raises(NotFound):
        portal.client().action.organization_show(id=portal.organization)


def test_the_first_push_creates_the_organization_datasets_and_resources(exported, portal, first_push, declared):
    _changes, recorder = first_push
    assert [a for a, _ in recorder.calls].count("resource_create") == 3 * len(declared)  # CSV, XLSX, JSON
    assert all(status == 200 for a, status in recorder.calls if a in WRITE_ACTIONS)
    org = portal.client().action.organization_show(id=portal.organization)
    assert org["title"] == "Ủy ban nhân dân tỉnh Lâm Đồng" and org["package_count"] == len(declared)
    manifest = _manifest(exported)
    for code, package in _packages(portal, exported).items():
        metadata = manifest[code]["metadata"]
        assert package["title"] == metadata["title"]["vi"]
        assert package["organization"]["name"] == portal.organization
        assert package["license_id"] == "cc-by"
        extras = {e["key"]: e["value"] for e in package["extras"]}
        assert extras["title_en"] == metadata["title"]["en"] and extras["dct_identifier"] == manifest[code]["uri"]
        assert sorted(r["format"] for r in package["resources"]) == ["CSV", "JSON", "XLSX"]
        assert all(r["url_type"] == "upload" for r in package["resources"])


def test_downloads_match_the_exported_files_checksums(exported, portal, first_push):
    manifest = _manifest(exported)
    for code, package in _packages(portal, exported).items():
        expected = {f["path"]: f["sha256"] for f in manifest[code]["files"].values()}
        for resource in package["resources"]:
            body = requests.get(resource["url"], timeout=30).content
            assert hashlib.sha256(body).hexdigest() == expected[resource["name"]] == resource["hash"], resource["url"]


def test_a_second_push_changes_nothing_and_makes_no_write_call(exported, portal, first_push):
    before = {code: p["metadata_modified"] for code, p in _packages(portal, exported).items()}
    changes, recorder = portal.push(exported)
    assert changes == []
    assert recorder.writes == [] and recorder.calls  # it did read the portal
    assert {code: p["metadata_modified"] for code, p in _packages(portal, exported).items()} == before


def test_a_changed_mart_is_listed_by_a_dry_run_then_pushed_alone(warehouse_url, conn, exported, portal, first_push):
    conn.execute(BUMP, (1,))
    try:
        _export(warehouse_url, exported)
    finally:
        conn.execute(BUMP, (-1,))
    before = _packages(portal, exported)
    planned, dry = portal.push(exported, dry_run=True)
    name = portal.prefix + CHANGED.replace("_", "-")
    assert dry.writes == []
    assert planned and all(c.name.startswith(name) for c in planned)
    kinds = [(c.action, c.entity) for c in planned]
    assert kinds.count(("upload", "resource")) == 3  # CSV, XLSX and JSON all hold the changed figure
    assert set(kinds) <= {("upload", "resource"), ("patch", "dataset")}  # the dataset's extras: dct_modified
    assert _packages(portal, exported)[CHANGED]["metadata_modified"] == before[CHANGED]["metadata_modified"]

    applied, recorder = portal.push(exported)
    assert applied == planned
    assert sorted(recorder.writes) == sorted(
        {("patch", "dataset"): "package_patch", ("upload", "resource"): "resource_patch"}[k] for k in kinds)
    after = _packages(portal, exported)
    assert all(after[c]["metadata_modified"] == before[c]["metadata_modified"] for c in after if c != CHANGED)
    new_csv = _manifest(exported)[CHANGED]["files"]["csv"]
    csv_resource = next(r for r in after[CHANGED]["resources"] if r["name"] == new_csv["path"])
    assert hashlib.sha256(requests.get(csv_resource["url"], timeout=30).content).hexdigest() == new_csv["sha256"]
