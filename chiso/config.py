"""The one place chiso reads its configuration: ``CHISO_*`` environment variables, read once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Runtime settings; secrets (tokens, passwords) only ever come from the environment."""

    database_url: str | None
    admin_database_url: str | None  # only for ``chiso init``; the run time never logs in with it
    build_lock_wait_s: float  # how long a dbt run waits for another one to finish before giving up
    state_dir: Path
    source_url: str | None
    source_token: str
    export_dir: Path
    inbox_dir: Path
    simulator_seed: int
    http_timeout_s: float
    http_retries: int
    http_page_size: int
    http_max_pages: int  # pages per fetch (one batch period)
    http_deadline_s: float  # wall clock per fetch, all pages and retries
    http_max_page_bytes: int
    ckan_url: str | None
    ckan_api_key: str | None
    ckan_organization: str
    publish_min_cell: int
    inbox_max_uncompressed_mb: float  # a dropped workbook unpacked (all its parts), or a CSV file
    inbox_max_cells: int  # a sheet's used range, rows x columns
    inbox_max_rows: int
    inbox_settle_s: float  # a dropped file is read once unchanged this long (still being copied otherwise)
    inbox_lock_wait_s: float  # how long a second inbox run waits for the first
    inbox_report_days_ahead: int  # a report date may be this many days after today, not more

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt_project"

    @property
    def seeds_dir(self) -> Path:
        return PROJECT_ROOT / "seeds"

    @property
    def airflow_home(self) -> Path:
        return self.state_dir / "airflow"

    @property
    def pgdata_dir(self) -> Path:
        return self.state_dir / "pgdata"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Read the environment once; call ``settings.cache_clear()`` after changing it (tests)."""
    state_dir = Path(os.environ.get("CHISO_STATE_DIR") or PROJECT_ROOT / ".chiso").resolve()
    return Settings(
        database_url=os.environ.get("CHISO_DATABASE_URL") or None,
        admin_database_url=os.environ.get("CHISO_ADMIN_DATABASE_URL") or None,
        build_lock_wait_s=_float("CHISO_BUILD_LOCK_WAIT_S", 3600.0),
        state_dir=state_dir,
        source_url=os.environ.get("CHISO_SOURCE_URL") or None,
        source_token=os.environ.get("CHISO_SOURCE_TOKEN", "chiso-simulator-token"),
        export_dir=Path(os.environ.get("CHISO_EXPORT_DIR") or state_dir / "exports").resolve(),
        inbox_dir=Path(os.environ.get("CHISO_INBOX_DIR") or state_dir / "inbox").resolve(),
        simulator_seed=_int("CHISO_SIMULATOR_SEED", 20250701),
        http_timeout_s=_float("CHISO_HTTP_TIMEOUT_S", 30.0),
        http_retries=_int("CHISO_HTTP_RETRIES", 4),
        http_page_size=_int("CHISO_HTTP_PAGE_SIZE", 1000),
        http_max_pages=_int("CHISO_HTTP_MAX_PAGES", 10_000),
        http_deadline_s=_float("CHISO_HTTP_DEADLINE_S", 600.0),
        http_max_page_bytes=_int("CHISO_HTTP_MAX_PAGE_BYTES", 32 * 2**20),
        ckan_url=os.environ.get("CHISO_CKAN_URL") or None,
        ckan_api_key=os.environ.get("CHISO_CKAN_API_KEY") or None,
        ckan_organization=os.environ.get("CHISO_CKAN_ORGANIZATION", "ubnd-tinh-lam-dong"),
        publish_min_cell=_int("CHISO_PUBLISH_MIN_CELL", 5),
        inbox_max_uncompressed_mb=_float("CHISO_INBOX_MAX_UNCOMPRESSED_MB", 20.0),
        inbox_max_cells=_int("CHISO_INBOX_MAX_CELLS", 100_000),
        inbox_max_rows=_int("CHISO_INBOX_MAX_ROWS", 10_000),
        inbox_settle_s=_float("CHISO_INBOX_SETTLE_S", 2.0),
        inbox_lock_wait_s=_float("CHISO_INBOX_LOCK_WAIT_S", 60.0),
        inbox_report_days_ahead=_int("CHISO_INBOX_REPORT_DAYS_AHEAD", 7),
    )
