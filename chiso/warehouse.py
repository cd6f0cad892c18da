"""The warehouse: ``chiso init`` (roles, schemas, raw tables), dbt build, source freshness and the dbt docs."""

from __future__ import annotations

import csv
import logging

from chiso.config import settings
from chiso.database import admin_url, connect, database_url, libpq_params
from chiso.dbt import DbtSummary, dbt_target_dir, run_dbt
from chiso.roles import LOADER, TRANSFORMER, ensure_roles
from extract.filedrop.spec import ensure_annex_table
from extract.loader import ensure_raw_schema
from extract.sources import SOURCES
from extract.watermark import ensure_watermark_table

log = logging.getLogger(__name__)


def init_warehouse(runtime_user: str | None = None, admin: str | None = None) -> str:
    """``chiso init``, by an administrator (``CHISO_ADMIN_DATABASE_URL``): roles, schemas and grants, then the raw
    tables of every source (empty until first loaded) created by the loader role, which owns them. Idempotent.

    ``runtime_user`` (default: the login of ``CHISO_DATABASE_URL``) may then take the chiso roles; returns it.
    """
    user = runtime_user or libpq_params(database_url())["user"]
    admin = admin or admin_url()
    with connect(admin) as conn:
        ensure_roles(conn, user)
    with connect(admin, role=LOADER) as conn:
        for spec in SOURCES.values():
            ensure_raw_schema(conn, spec)
        ensure_annex_table(conn)
        ensure_watermark_table(conn)
    return user


def build_warehouse(select: str | None = None) -> DbtSummary:
    """``dbt build`` (seeds, models and their tests in dependency order), optionally of a selection.

    A seed whose CSV gained or lost columns since it was loaded cannot be reloaded in place (dbt truncates and
    inserts): it is reloaded with ``--full-refresh`` first, which drops the views over it, so the whole project
    is then built whatever the selection.
    """
    changed = seeds_with_new_columns()
    if changed:
        log.warning("seeds %s changed columns: reloading them and rebuilding every model", ", ".join(changed))
        run_dbt(["seed", "--full-refresh", "--select", *changed])
        select = None
    return run_dbt(["build", *(["--select", select] if select else [])])


def seeds_with_new_columns() -> list[str]:
    """The seeds already loaded whose table columns differ from their CSV header."""
    with connect(role=TRANSFORMER) as conn:
        loaded: dict[str, list[str]] = {}
        for table, column in conn.execute("select table_name, column_name from information_schema.columns"
                                          " where table_schema = 'seeds' order by table_name, ordinal_position"):
            loaded.setdefault(table, []).append(column)
    changed = []
    for path in sorted(settings().seeds_dir.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
        if path.stem in loaded and [c.lower() for c in header] != loaded[path.stem]:
            changed.append(path.stem)
    return changed


def check_freshness() -> DbtSummary:
    """``dbt source freshness``: fails when a source's raw table is older than its declared freshness."""
    return run_dbt(["source", "freshness"])


#: dbt's single-file docs page (``--static``): manifest and catalogue inside, so it opens from file:// too.
STATIC_DOCS = "static_index.html"


def generate_docs() -> str:
    """``dbt docs generate --static``; returns the path of the single-file page that opens anywhere (a browser
    opening index.html from file:// cannot fetch its manifest; ``chiso docs --serve`` serves index.html)."""
    run_dbt(["docs", "generate", "--static"])
    return str(dbt_target_dir() / STATIC_DOCS)
