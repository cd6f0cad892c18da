"""Push the export folder to a CKAN portal (Action API via ckanapi): create or patch, idempotent, with a dry run.

The portal gets one organisation (the province), one group per topic, one dataset per catalogue dataset and
one uploaded resource per file (CSV, XLSX, JSON). What is on the portal is read first and compared with the
manifest (resource ``hash`` = the file's SHA-256, dataset extras = the metadata and its hash), so a second
push with the same export makes read calls only. URL and token are arguments: callers take them from
``CHISO_CKAN_URL`` / ``CHISO_CKAN_API_KEY`` or an Airflow connection, never from code.
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

from publish.catalogue import LICENSES
from publish.manifest import require_manifest
from publish.writers import FORMATS

log = logging.getLogger(__name__)

USER_AGENT = "chiso-publish/0.1 (+ckanapi)"
WRITE_ACTIONS = frozenset({"organization_create", "organization_patch", "group_create", "group_patch",
                           "package_create", "package_patch", "resource_create", "resource_patch"})
_PACKAGE_SCALARS = ("title", "notes", "license_id", "author", "maintainer", "private", "state")
_RESOURCE_FIELDS = ("description", "format", "hash")


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
            # organization_create and group_create can answer 500 (a search-index error after the commit)
            # although the row was saved: read it back before calling the push a failure.
            saved = reread() if reread else None
            if saved is None or isinstance(exc, NotFound):
                raise RuntimeError(f"CKAN {action} for {change.entity} {change.name} failed: {exc}") from exc
            log.warning("CKAN %s for %s answered an error (%s) but the %s was saved", action, change.name,
                        str(exc)[:200], change.entity)
            return saved


def push(export_dir: Path, url: str, api_key: str, organization: str, dry_run: bool = False, *,
         session: requests.Session | None = None, name_prefix: str = "") -> list[Change]:
    """Make the portal match the export folder; return what changed (or would change, with ``dry_run``).

    ``name_prefix`` is put before every group and dataset name (e.g. to share one CKAN between a staging and
    a production catalogue, or to keep an integration test's objects apart).
    """
    manifest = require_manifest(export_dir)
    own_session = session is None
    session = session or requests.Session()
    portal = _Portal(RemoteCKAN(url, apikey=api_key, user_agent=USER_AGENT, session=session), dry_run)
    try:
        _sync_organization(portal, organization, manifest["catalog"]["publisher"])
        groups = _sync_groups(portal, manifest["datasets"], name_prefix)
        for entry in manifest["datasets"]:
            topic = groups[entry["metadata"]["topic"]["en"]]
            _sync_dataset(portal, export_dir, entry, organization, topic, name_prefix)
    finally:
        if own_session:
            session.close()
    log.info("CKAN push to %s: %s change(s)%s", url, len(portal.changes), " (dry run)" if dry_run else "")
    return portal.changes


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
                  prefix: str) -> None:
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
        _sync_resource(portal, export_dir, name, ext, file, existing.get(file["path"]))


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
                   current: dict | None) -> None:
    desired = {"name": file["path"], "format": file["format"], "hash": file["sha256"],
               "description": f"{FORMATS[ext].title.vi} / {FORMATS[ext].title.en}"}
    path = export_dir / file["path"]
    resource = f"{package}/{file['path']}"
    if current is None:
        portal.write(Change("upload", "resource", resource, f"new, sha256 {file['sha256'][:12]}"), "resource_create",
                     {"package_id": package, "mimetype": file["mediatype"], **desired}, upload=path)
        return
    if current.get("hash") != file["sha256"] or current.get("url_type") != "upload":
        detail = f"sha256 {str(current.get('hash') or '-')[:12]} -> {file['sha256'][:12]}"
        portal.write(Change("upload", "resource", resource, detail), "resource_patch",
                     {"id": current["id"], "mimetype": file["mediatype"], **desired}, upload=path)
        return
    changed = [k for k in _RESOURCE_FIELDS if (current.get(k) or "") != desired[k]]
    if changed:
        portal.write(Change("patch", "resource", resource, ", ".join(changed)), "resource_patch",
                     {"id": current["id"], **{k: desired[k] for k in changed}})


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
