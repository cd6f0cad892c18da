"""Push the export folder to a CKAN portal (Action API via ckanapi): create or patch, idempotent, with a dry run.

The portal gets one organisation (the province), one group per topic, one dataset per catalogue dataset and
one uploaded resource per file (CSV, XLSX, JSON). Each CSV's rows also go into the DataStore (typed columns,
the data dictionary in Vietnamese and English, the dataset's key as primary key) and get a data preview
(``datatables_view``); the JSON file gets a ``text_view`` where the portal has that plugin. What is on the portal
is read first and compared with the manifest (resource ``hash`` = the file's SHA-256, ``datastore_sha256`` = the
CSV the DataStore table was loaded from, dataset extras = the metadata and its hash), so a second push with the
same export makes read calls only. URL and token are arguments: callers take them from ``CHISO_CKAN_URL`` /
``CHISO_CKAN_API_KEY`` or an Airflow connection, never from code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from ckanapi import NotFound, RemoteCKAN
from ckanapi.errors import CKANAPIError, ServerIncompatibleError

from publish import datastore
from publish.catalogue import LICENSES
from publish.datastore import Dictionary, RowPlan
from publish.manifest import require_manifest
from publish.writers import FORMATS

log = logging.getLogger(__name__)

USER_AGENT = "chiso-publish/0.1 (+ckanapi)"
WRITE_ACTIONS = frozenset({"organization_create", "organization_patch", "group_create", "group_patch",
                           "package_create", "package_patch", "resource_create", "resource_patch",
                           "datastore_create", "datastore_upsert", "datastore_delete", "datastore_records_delete",
                           "resource_view_create"})
_PACKAGE_SCALARS = ("title", "notes", "license_id", "author", "maintainer", "private", "state")
_RESOURCE_FIELDS = ("description", "format", "hash")
#: The plugins the portal must run (with ckan.datastore.write_url / read_url set) for the DataStore and preview.
REQUIRED_PLUGINS = ("datastore", "datatables_view")
#: Rows per datastore_upsert / datastore_records_delete call, and per datastore_search page when reading back.
DEFAULT_CHUNK_ROWS = 5000
#: Resource fields that record what the DataStore table was loaded from (compared before any DataStore write).
DATASTORE_MARKS = ("datastore_sha256", "datastore_dictionary_sha256")


@dataclass(frozen=True)
class View:
    """The view a resource of one format gets: the plugin that renders it and its bilingual title."""

    view_type: str
    title: str
    required: bool  # the portal must have the plugin (else the view is left out)


#: File extension → its view. XLSX gets none: CKAN has no spreadsheet viewer (people download it).
VIEWS = {
    "csv": View("datatables_view", "Xem trước dữ liệu / Data preview", required=True),
    "json": View("text_view", "Xem tệp JSON / JSON file", required=False),
}


class PortalConfigError(RuntimeError):
    """The portal lacks what the push needs (a plugin, a licence): the message says which setting to change."""


@dataclass(frozen=True)
class Change:
    """One write the push made (or, in a dry run, would make)."""

    action: str  # create | patch | upload
    entity: str  # organization | group | dataset | resource
    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action} {self.entity} {self.name}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class _Portal:
    """The CKAN client plus the dry-run switch and the list of changes; the only place that calls actions."""

    ck: RemoteCKAN
    dry_run: bool
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    plugins: frozenset[str] = frozenset()
    changes: list[Change] = field(default_factory=list)

    def read(self, action: str, **data: object) -> dict | None:
        log.debug("CKAN %s %s", action, data.get("id", ""))
        try:
            return self.ck.call_action(action, data)
        except NotFound:
            return None

    def write(self, change: Change, action: str, data: dict, upload: Path | None = None,
              reread: Callable[[], dict | None] | None = None) -> dict | None:
        self.changes.append(change)
        log.info("%s%s", "[dry run] " if self.dry_run else "", change)
        if self.dry_run:
            return None
        try:
            if upload is None:
                return self.ck.call_action(action, data)
            with upload.open("rb") as fh:
                return self.ck.call_action(action, data, files={"upload": (upload.name, fh)})
        except (CKANAPIError, ServerIncompatibleError) as exc:
            # a create can answer an error although CKAN saved the object (organization_create's search-index
            # error after the commit, an answer lost on the way): read it back before calling the push a failure.
            saved = reread() if reread else None
            if saved is None or isinstance(exc, NotFound):
                raise RuntimeError(f"CKAN {action} for {change.entity} {change.name} failed: {str(exc)[:300]}. The"
                                   " portal may be part-way updated: fix the cause and push again (the push writes"
                                   " only what still differs)") from exc
            log.warning("CKAN %s for %s answered an error (%s) but the %s was saved", action, change.name,
                        str(exc)[:200], change.entity)
            return saved


def push(export_dir: Path, url: str, api_key: str, organization: str, dry_run: bool = False, *,
         session: requests.Session | None = None, name_prefix: str = "",
         chunk_rows: int = DEFAULT_CHUNK_ROWS) -> list[Change]:
    """Make the portal match the export folder; return what changed (or would change, with ``dry_run``).

    ``name_prefix`` is put before every group and dataset name (e.g. to share one CKAN between a staging and
    a production catalogue, or to keep an integration test's objects apart). DataStore rows are written and
    read ``chunk_rows`` at a time.
    """
    manifest = require_manifest(export_dir)
    schemas = datastore.table_schemas(export_dir, manifest)
    own_session = session is None
    session = session or requests.Session()
    portal = _Portal(RemoteCKAN(url, apikey=api_key, user_agent=USER_AGENT, session=session), dry_run, chunk_rows)
    try:
        portal.plugins = _check_portal(portal, url, manifest["datasets"])
        _sync_organization(portal, organization, manifest["catalog"]["publisher"])
        groups = _sync_groups(portal, manifest["datasets"], name_prefix)
        for entry in manifest["datasets"]:
            topic = groups[entry["metadata"]["topic"]["en"]]
            _sync_dataset(portal, export_dir, entry, organization, topic, name_prefix, schemas)
    finally:
        if own_session:
            session.close()
    log.info("CKAN push to %s: %s change(s)%s", url, len(portal.changes), " (dry run)" if dry_run else "")
    return portal.changes


def _check_portal(portal: _Portal, url: str, entries: list[dict]) -> frozenset[str]:
    """The portal's plugins, once it is known to run the DataStore and preview plugins and to list every licence
    the datasets carry under the exports' title (otherwise nothing is written)."""
    status = portal.read("status_show") or {}
    plugins = frozenset(status.get("extensions") or ())
    missing = [p for p in REQUIRED_PLUGINS if p not in plugins]
    if missing:
        raise PortalConfigError(f"the CKAN at {url} does not run the plugin(s) {', '.join(missing)}: add them to"
                                " ckan.plugins (and set ckan.datastore.write_url and ckan.datastore.read_url) so"
                                " that the CSV files get DataStore tables and a data preview (deploy/ckan/README.md)")
    listed = {lic["id"]: lic for lic in portal.read("license_list") or []}
    for spdx in sorted({e["metadata"]["license_id"] for e in entries}):
        _, title, ckan_id = LICENSES[spdx]
        if (listed.get(ckan_id) or {}).get("title") != title:
            raise PortalConfigError(f"the CKAN at {url} does not list licence {ckan_id} as {title!r} (its licence"
                                    " list has: " + (", ".join(sorted(listed)) or "nothing") + "): set"
                                    " licenses_group_url in its ckan.ini to the project's list,"
                                    " deploy/ckan/licenses.json, and restart it")
    return plugins


def _sync_organization(portal: _Portal, name: str, publisher: dict) -> None:
    names = publisher["name"]
    desired = {"title": names["vi"],
               "description": f"{names['vi']} / {names['en']}: dữ liệu mở về chuyển đổi số / digital-government"
                              " open data."}
    current = portal.read("organization_show", id=name)
    if current is None:
        portal.write(Change("create", "organization", name), "organization_create", {"name": name, **desired},
                     reread=lambda: portal.read("organization_show", id=name))
        return
    changed = [k for k, v in desired.items() if (current.get(k) or "") != v]
    if changed:
        portal.write(Change("patch", "organization", name, ", ".join(changed)), "organization_patch",
                     {"id": name, **{k: desired[k] for k in changed}})


def _sync_groups(portal: _Portal, entries: list[dict], prefix: str) -> dict[str, str]:
    """One CKAN group per topic (the portal's 'chủ đề'); returns topic (English) → group name."""
    topics = {e["metadata"]["topic"]["en"]: e["metadata"]["topic"] for e in entries}
    names = {}
    for topic_en in sorted(topics):
        name = prefix + _slug(topic_en)
        names[topic_en] = name
        desired = {"title": topics[topic_en]["vi"], "description": f"{topics[topic_en]['vi']} / {topic_en}"}
        current = portal.read("group_show", id=name)
        if current is None:
            portal.write(Change("create", "group", name), "group_create", {"name": name, **desired},
                         reread=lambda n=name: portal.read("group_show", id=n))
            continue
        changed = [k for k, v in desired.items() if (current.get(k) or "") != v]
        if changed:
            portal.write(Change("patch", "group", name, ", ".join(changed)), "group_patch",
                         {"id": name, **{k: desired[k] for k in changed}})
    return names


def _sync_dataset(portal: _Portal, export_dir: Path, entry: dict, organization: str, group: str,
                  prefix: str, schemas: dict[str, dict]) -> None:
    name = prefix + entry["ckan_name"]
    desired = package_fields(entry, organization, group)
    current = portal.read("package_show", id=name)
    if current is None:
        portal.write(Change("create", "dataset", name), "package_create", {"name": name, **desired},
                     reread=lambda: portal.read("package_show", id=name))
        existing: dict[str, dict] = {}
    else:
        changed = _package_diff(current, desired, organization)
        if changed:
            portal.write(Change("patch", "dataset", name, ", ".join(changed)), "package_patch",
                         {"id": name, **{k: desired[k] for k in changed}})
        existing = {r["name"]: r for r in current.get("resources", [])}
    for ext, file in entry["files"].items():
        resource = _sync_resource(portal, export_dir, name, ext, file, existing.get(file["path"]))
        label = f"{name}/{file['path']}"
        if ext == "csv":
            schema = schemas.get(file["path"])
            if schema is None:
                raise datastore.DataStoreError(f"{file['path']} has no Table Schema in the export's"
                                               f" {datastore.DATAPACKAGE}: publish the exports again")
            _sync_datastore(portal, label, file["sha256"], export_dir / file["path"], resource,
                            datastore.data_dictionary(schema))
        _sync_view(portal, label, VIEWS.get(ext), resource)


def package_fields(entry: dict, organization: str, group: str) -> dict:
    """The CKAN dataset fields for a manifest entry (everything but name and resources)."""
    md = entry["metadata"]
    return {
        "title": md["title"]["vi"],
        "notes": f"{md['description']['vi']}\n\n{md['description']['en']}",
        "owner_org": organization,
        "license_id": LICENSES[md["license_id"]][2],
        "author": md["creator"]["name"]["vi"],
        "maintainer": md["publisher"]["name"]["vi"],
        "private": False,
        "state": "active",
        "tags": [{"name": t} for t in sorted({_tag(k) for k in md["keywords"]})],
        "groups": [{"name": group}],
        "extras": [{"key": k, "value": v} for k, v in sorted(_extras(entry).items())],
    }


def _extras(entry: dict) -> dict[str, str]:
    md = entry["metadata"]
    return {
        "dct_identifier": entry["uri"],
        "title_en": md["title"]["en"],
        "notes_en": md["description"]["en"],
        "dct_creator": f"{md['creator']['name']['vi']} / {md['creator']['name']['en']}",
        "dct_publisher": f"{md['publisher']['name']['vi']} / {md['publisher']['name']['en']}",
        "dct_contributor": f"{md['contributor']['name']['vi']} / {md['contributor']['name']['en']}",
        "dct_source": f"marts.{md['source_model']}",
        "dct_subject": f"{md['topic']['vi']} / {md['topic']['en']}",
        "dct_language": "vi, en",
        "dct_spatial": md["spatial"],
        "dct_temporal": f"{md['temporal_start'] or ''}/{md['temporal_end'] or ''}",
        "dct_accrual_periodicity": md["update_frequency"],
        "dct_issued": entry["issued"],
        "dct_modified": entry["modified"],
        "rows": str(entry["rows"]),
        "is_synthetic": "true" if md["is_synthetic"] else "false",
        "suppressed_cells": str(entry["suppressed_cells"]),
        "chiso_metadata_sha256": entry["metadata_sha256"],
    }


def _package_diff(current: dict, desired: dict, organization: str) -> list[str]:
    changed = [k for k in _PACKAGE_SCALARS if current.get(k) != desired[k]]
    if (current.get("organization") or {}).get("name") != organization:
        changed.append("owner_org")
    for key in ("tags", "groups"):
        if sorted(t["name"] for t in current.get(key) or []) != sorted(t["name"] for t in desired[key]):
            changed.append(key)
    if {e["key"]: e["value"] for e in current.get("extras") or []} != {e["key"]: e["value"] for e in desired["extras"]}:
        changed.append("extras")
    return changed


def _sync_resource(portal: _Portal, export_dir: Path, package: str, ext: str, file: dict,
                   current: dict | None) -> dict | None:
    """Upload or patch one file's resource; the resource as it now is (None: a dry run's new resource)."""
    fmt = FORMATS[ext]
    desired = {"name": file["path"], "format": file["format"], "hash": file["sha256"],
               "description": f"{fmt.title.vi}. {fmt.guide.vi}\n\n{fmt.title.en}. {fmt.guide.en}"}
    path = export_dir / file["path"]
    resource = f"{package}/{file['path']}"
    if current is None:
        return portal.write(Change("upload", "resource", resource, f"new, sha256 {file['sha256'][:12]}"),
                            "resource_create", {"package_id": package, "mimetype": file["mediatype"], **desired},
                            upload=path, reread=lambda: _resource_named(portal, package, file))
    if current.get("hash") != file["sha256"] or current.get("url_type") != "upload":
        detail = f"sha256 {str(current.get('hash') or '-')[:12]} -> {file['sha256'][:12]}"
        return portal.write(Change("upload", "resource", resource, detail), "resource_patch",
                            {"id": current["id"], "mimetype": file["mediatype"], **desired}, upload=path) or current
    changed = [k for k in _RESOURCE_FIELDS if (current.get(k) or "") != desired[k]]
    if changed:
        return portal.write(Change("patch", "resource", resource, ", ".join(changed)), "resource_patch",
                            {"id": current["id"], **{k: desired[k] for k in changed}}) or current
    return current


def _resource_named(portal: _Portal, package: str, file: dict) -> dict | None:
    """The package's resource for ``file`` if it holds that very file (a create that answered an error)."""
    for r in (portal.read("package_show", id=package) or {}).get("resources", []):
        if r["name"] == file["path"] and r.get("hash") == file["sha256"]:
            return r
    return None


def _sync_datastore(portal: _Portal, label: str, csv_sha256: str, path: Path, resource: dict | None,
                    dictionary: Dictionary) -> None:
    """Make the resource's DataStore table hold the CSV's rows under its data dictionary; no write if the marks
    on the resource say it already does."""
    marks = dict(zip(DATASTORE_MARKS, (csv_sha256, dictionary.sha256), strict=True))
    active = bool(resource and resource.get("datastore_active"))
    if active and all((resource or {}).get(k) == v for k, v in marks.items()):
        return
    records = datastore.read_records(path, dictionary)
    rid = (resource or {}).get("id", "")
    if active and (resource or {}).get(DATASTORE_MARKS[1]) == dictionary.sha256:
        plan = datastore.plan_rows(records, _datastore_rows(portal, rid, dictionary), dictionary)
    else:  # no table, one made under another dictionary, or a load that never finished: start afresh
        plan = datastore.new_table(records, dictionary, drop=active)
    _apply_rows(portal, label, rid, dictionary, plan, len(records))
    portal.write(Change("patch", "resource", label, f"datastore loaded from sha256 {csv_sha256[:12]}"),
                 "resource_patch", {"id": rid, **marks})


def _datastore_rows(portal: _Portal, rid: str, dictionary: Dictionary) -> list[dict]:
    """Every row of the resource's table, with ``_id``, in ``_id`` order (read ``chunk_rows`` at a time)."""
    rows: list[dict] = []
    fields = ["_id", *dictionary.types]
    while True:
        page = portal.read("datastore_search", resource_id=rid, limit=portal.chunk_rows, offset=len(rows),
                           sort="_id", fields=fields) or {}
        rows += page.get("records") or []
        if not page.get("records") or len(rows) >= int(page.get("total") or 0):
            return rows


def _apply_rows(portal: _Portal, label: str, rid: str, dictionary: Dictionary, plan: RowPlan, total: int) -> None:
    # force: the table of an uploaded file is read-only otherwise. calculate_record_count False: CKAN then clears
    # the cached row count, and the next search counts afresh (True keeps the count cached by the first chunk)
    base = {"resource_id": rid, "force": True}
    if plan.drop:
        portal.write(Change("delete", "datastore", label, "table made under another data dictionary"),
                     "datastore_delete", base)
    if plan.create:
        key = ", ".join(dictionary.primary_key) or "none"
        portal.write(Change("create", "datastore", label, f"{len(dictionary.fields)} fields, primary key {key}"),
                     "datastore_create", {**base, "fields": list(dictionary.fields),
                                          "primary_key": list(dictionary.primary_key),
                                          "calculate_record_count": False})
    if plan.truncate:
        portal.write(Change("delete", "datastore", label, "every row (no primary key to update rows by)"),
                     "datastore_records_delete", {**base, "filters": {}, "calculate_record_count": False})
    for start, ids in datastore.chunks(plan.deletes, portal.chunk_rows):
        portal.write(Change("delete", "datastore", label, f"{len(ids)} row(s) gone from the export"
                                                          f" ({start + 1}–{start + len(ids)} of {len(plan.deletes)})"),
                     "datastore_records_delete", {**base, "filters": {"_id": list(ids)},
                                                  "calculate_record_count": False})
    for start, rows in datastore.chunks(plan.upserts, portal.chunk_rows):
        detail = f"rows {start + 1}–{start + len(rows)} of {len(plan.upserts)} new or changed ({total} in the CSV)"
        portal.write(Change(plan.method, "datastore", label, detail), "datastore_upsert",
                     {**base, "method": plan.method, "records": list(rows), "calculate_record_count": False})


def _sync_view(portal: _Portal, label: str, view: View | None, resource: dict | None) -> None:
    """Give the resource its view unless it has one of that type (views are made once, never twice)."""
    if view is None or (not view.required and view.view_type not in portal.plugins):
        return

    def existing() -> dict | None:
        views = portal.read("resource_view_list", id=resource["id"]) if resource else None
        return next((v for v in views or [] if v["view_type"] == view.view_type), None)

    if existing() is None:
        portal.write(Change("create", "view", label, view.view_type), "resource_view_create",
                     {"resource_id": (resource or {}).get("id", ""), "view_type": view.view_type,
                      "title": view.title}, reread=existing)


def license_register() -> list[dict]:
    """The portal's licence list (what CKAN's ``licenses_group_url`` points at): one entry per licence the
    catalogue allows, under the id the push gives datasets, with the exports' title and URL."""
    return [{"id": ckan_id, "title": title, "url": url, "status": "active", "od_conformance": "approved",
             "osd_conformance": "not reviewed", "domain_content": True, "domain_data": True, "domain_software": False}
            for url, title, ckan_id in LICENSES.values()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _tag(keyword: str) -> str:
    """CKAN tags allow letters (Vietnamese included), digits, spaces, '-', '_' and '.'."""
    return re.sub(r"[^\w \-.]", "-", keyword).strip()
