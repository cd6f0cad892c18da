"""Publishing: write the open-data exports from the marts and push them to the CKAN portal."""

from __future__ import annotations

from chiso.config import settings
from chiso.database import as_role, database_url
from chiso.dbt import dbt_target_dir
from chiso.roles import BI_READER
from publish import ExportedFile, export_all
from publish.ckan import Change, push


def publish_exports() -> list[ExportedFile]:
    """Write the open-data exports (only datasets whose content or metadata changed are rewritten)."""
    cfg = settings()
    return export_all(as_role(database_url(), BI_READER), cfg.export_dir,
                      dbt_manifest=dbt_target_dir() / "manifest.json", min_cell=cfg.publish_min_cell)


def push_to_portal(dry_run: bool = False, url: str | None = None, api_key: str | None = None) -> list[Change]:
    """Create or patch the portal's organization, datasets, resources, DataStore tables and data previews from the
    export folder (the portal must run the datastore and datatables_view plugins and list the project's licences:
    deploy/ckan/README.md)."""
    cfg = settings()
    url, api_key = url or cfg.ckan_url, api_key or cfg.ckan_api_key
    if not (url and api_key):
        raise RuntimeError("CHISO_CKAN_URL and CHISO_CKAN_API_KEY must be set to push to the portal")
    return push(cfg.export_dir, url, api_key, cfg.ckan_organization, dry_run=dry_run)
