"""The one place chiso reads and hands on its configuration: ``CHISO_*`` environment variables, read once."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The province's time zone: the DAGs' schedules, Airflow's default and the demo's night are on it.
TIMEZONE = "Asia/Ho_Chi_Minh"
#: Retries of the extract and publish tasks when ``CHISO_TASK_RETRIES`` is unset.
DEFAULT_TASK_RETRIES = 2


@dataclass(frozen=True)
class Settings:
    """Runtime settings; secrets (tokens, passwords) only ever come from the environment."""

    database_url: str | None
    admin_database_url: str | None  # only for ``chiso init``; the run time never logs in with it
    build_lock_wait_s: float  # how long a dbt run waits for another one to finish before giving up
    state_dir: Path
    source_url: str | None
    source_token: str
    pseudonym_key: str | None  # keys the hash that replaces applicant identifiers before raw (a secret)
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
    task_retries: int | None  # None: unset, the DAGs retry DEFAULT_TASK_RETRIES times
    alert_webhook: str | None  # receives a JSON POST when a DAG task fails

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


    @property
    def retries(self) -> int:
        """Retries of the retryable DAG tasks (extract, publish)."""
        return DEFAULT_TASK_RETRIES if self.task_retries is None else self.task_retries


#: Settings field -> the environment variable it is read from (and handed on to child processes as).
VARIABLES = {
    "database_url": "CHISO_DATABASE_URL",
    "admin_database_url": "CHISO_ADMIN_DATABASE_URL",
    "build_lock_wait_s": "CHISO_BUILD_LOCK_WAIT_S",
    "state_dir": "CHISO_STATE_DIR",
    "source_url": "CHISO_SOURCE_URL",
    "source_token": "CHISO_SOURCE_TOKEN",
    "pseudonym_key": "CHISO_PSEUDONYM_KEY",
    "export_dir": "CHISO_EXPORT_DIR",
    "inbox_dir": "CHISO_INBOX_DIR",
    "simulator_seed": "CHISO_SIMULATOR_SEED",
    "http_timeout_s": "CHISO_HTTP_TIMEOUT_S",
    "http_retries": "CHISO_HTTP_RETRIES",
    "http_page_size": "CHISO_HTTP_PAGE_SIZE",
    "http_max_pages": "CHISO_HTTP_MAX_PAGES",
    "http_deadline_s": "CHISO_HTTP_DEADLINE_S",
    "http_max_page_bytes": "CHISO_HTTP_MAX_PAGE_BYTES",
    "ckan_url": "CHISO_CKAN_URL",
    "ckan_api_key": "CHISO_CKAN_API_KEY",
    "ckan_organization": "CHISO_CKAN_ORGANIZATION",
    "publish_min_cell": "CHISO_PUBLISH_MIN_CELL",
    "inbox_max_uncompressed_mb": "CHISO_INBOX_MAX_UNCOMPRESSED_MB",
    "inbox_max_cells": "CHISO_INBOX_MAX_CELLS",
    "inbox_max_rows": "CHISO_INBOX_MAX_ROWS",
    "inbox_settle_s": "CHISO_INBOX_SETTLE_S",
    "inbox_lock_wait_s": "CHISO_INBOX_LOCK_WAIT_S",
    "inbox_report_days_ahead": "CHISO_INBOX_REPORT_DAYS_AHEAD",
    "task_retries": "CHISO_TASK_RETRIES",
    "alert_webhook": "CHISO_ALERT_WEBHOOK",
}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _count(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "")
    if raw and not raw.isdigit():
        raise ValueError(f"{name} must be a whole number, got {raw!r}")
    return int(raw) if raw else None


def from_environment(env: Mapping[str, str]) -> Settings:
    """The settings an environment describes (unset or empty variables take their defaults)."""
    state_dir = Path(env.get("CHISO_STATE_DIR") or PROJECT_ROOT / ".chiso").resolve()
    return Settings(
        database_url=env.get("CHISO_DATABASE_URL") or None,
        admin_database_url=env.get("CHISO_ADMIN_DATABASE_URL") or None,
        build_lock_wait_s=_float(env, "CHISO_BUILD_LOCK_WAIT_S", 3600.0),
        state_dir=state_dir,
        source_url=env.get("CHISO_SOURCE_URL") or None,
        source_token=env.get("CHISO_SOURCE_TOKEN", "chiso-simulator-token"),
        pseudonym_key=env.get("CHISO_PSEUDONYM_KEY") or None,
        export_dir=Path(env.get("CHISO_EXPORT_DIR") or state_dir / "exports").resolve(),
        inbox_dir=Path(env.get("CHISO_INBOX_DIR") or state_dir / "inbox").resolve(),
        simulator_seed=_int(env, "CHISO_SIMULATOR_SEED", 20250701),
        http_timeout_s=_float(env, "CHISO_HTTP_TIMEOUT_S", 30.0),
        http_retries=_int(env, "CHISO_HTTP_RETRIES", 4),
        http_page_size=_int(env, "CHISO_HTTP_PAGE_SIZE", 1000),
        http_max_pages=_int(env, "CHISO_HTTP_MAX_PAGES", 10_000),
        http_deadline_s=_float(env, "CHISO_HTTP_DEADLINE_S", 600.0),
        http_max_page_bytes=_int(env, "CHISO_HTTP_MAX_PAGE_BYTES", 32 * 2**20),
        ckan_url=env.get("CHISO_CKAN_URL") or None,
        ckan_api_key=env.get("CHISO_CKAN_API_KEY") or None,
        ckan_organization=env.get("CHISO_CKAN_ORGANIZATION", "ubnd-tinh-lam-dong"),
        publish_min_cell=_int(env, "CHISO_PUBLISH_MIN_CELL", 5),
        inbox_max_uncompressed_mb=_float(env, "CHISO_INBOX_MAX_UNCOMPRESSED_MB", 20.0),
        inbox_max_cells=_int(env, "CHISO_INBOX_MAX_CELLS", 100_000),
        inbox_max_rows=_int(env, "CHISO_INBOX_MAX_ROWS", 10_000),
        inbox_settle_s=_float(env, "CHISO_INBOX_SETTLE_S", 2.0),
        inbox_lock_wait_s=_float(env, "CHISO_INBOX_LOCK_WAIT_S", 60.0),
        inbox_report_days_ahead=_int(env, "CHISO_INBOX_REPORT_DAYS_AHEAD", 7),
        task_retries=_count(env, "CHISO_TASK_RETRIES"),
        alert_webhook=env.get("CHISO_ALERT_WEBHOOK") or None,
    )


#: Values this process decided after start-up (the demo's embedded server and simulator): field -> (what the
#: environment said when it was decided, the value). See :func:`override`.
_overrides: dict[str, tuple[str | None, Any]] = {}


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Read the environment once; call ``settings.cache_clear()`` after changing it (tests)."""
    env = os.environ
    decided = {name: value for name, (seen, value) in _overrides.items() if env.get(VARIABLES[name]) == seen}
    return replace(from_environment(env), **decided)


def override(**values: Any) -> Settings:
    """Use ``values`` instead of what the environment says, in this process, until the environment itself changes
    that variable (e.g. the URL of a server or simulator this process started); child processes get them through
    :func:`child_environment`."""
    unknown = sorted(set(values) - set(VARIABLES))
    if unknown:
        raise TypeError(f"not a setting: {', '.join(unknown)}; expected one of {', '.join(VARIABLES)}")
    _overrides.update({name: (os.environ.get(VARIABLES[name]), value) for name, value in values.items()})
    settings.cache_clear()
    return settings()


def to_environment(cfg: Settings) -> dict[str, str]:
    """The ``CHISO_*`` variables that describe ``cfg`` (unset values are left out)."""
    values = {VARIABLES[f.name]: getattr(cfg, f.name) for f in fields(Settings)}
    return {name: str(value) for name, value in values.items() if value is not None}


def child_environment(cfg: Settings | None = None, extra: Mapping[str, str] | None = None,
                      drop: Iterable[str] = ()) -> dict[str, str]:
    """The environment of a child process (Airflow, dbt, a worker): this one's, with every ``CHISO_*`` variable
    taken from ``cfg`` (default: :func:`settings`), then ``extra``, without the variables in ``drop``."""
    cfg = cfg or settings()
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES.values()}
    env.update(to_environment(cfg))
    env.update(extra or {})
    for name in drop:
        env.pop(name, None)
    return env


def export_to_process(values: Mapping[str, str]) -> None:
    """Set ``values`` in this process's environment, for libraries that read it and take no arguments: dbt's
    ``env_var()`` in profiles.yml, Airflow's configuration (before Airflow is imported)."""
    os.environ.update(values)
    if any(name in VARIABLES.values() for name in values):
        settings.cache_clear()


#: Session settings of dbt's connections (libpq's ``PGOPTIONS``; dbt-postgres takes no options in its profile).
#: No JIT compilation: a night's incremental statements read a few thousand rows through indexes, but their cost
#: estimates over multi-million-row facts pass ``jit_above_cost``, and compiling took longer than running (the
#: dossier mart at 5 M records: 4,8 s with JIT, 1,0 s without). Full builds lose little: their plans are scans.
DBT_SESSION_OPTIONS = "-c jit=off"


def dbt_environment(params: Mapping[str, str], role: str) -> dict[str, str]:
    """The ``CHISO_PG_*`` variables dbt_project/profiles.yml reads (the connection's fields and the role dbt acts
    as) and ``PGOPTIONS``: this process's own, with :data:`DBT_SESSION_OPTIONS` added once. dbt runs in-process,
    so the process's other libpq connections opened after it take them too."""
    options = os.environ.get("PGOPTIONS", "")
    if DBT_SESSION_OPTIONS not in options:
        options = f"{options} {DBT_SESSION_OPTIONS}".strip()
    return {**{f"CHISO_PG_{k.upper()}": v for k, v in params.items()}, "CHISO_PG_ROLE": role, "PGOPTIONS": options}
