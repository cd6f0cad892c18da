"""How chiso runs Airflow as a program: its home and metadata DB in the state folder, its command, its dbt pool."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from contextlib import closing
from importlib.metadata import version
from pathlib import Path

from chiso.config import PROJECT_ROOT, TIMEZONE, child_environment, export_to_process, settings

#: The Airflow pool every dbt task runs in: one slot, so the three DAGs never build at once (the warehouse lock
#: in chiso.dbt serialises the CLI and anything else too; the pool keeps waiting builds out of worker slots).
DBT_POOL = "chiso_dbt"
DBT_POOL_DESCRIPTION = "chiso: one dbt build at a time (the three DAGs share the warehouse)"


def airflow_environ(airflow_home: Path | None = None) -> dict[str, str]:
    """The Airflow variables of a local Airflow: SQLite metadata DB, logs and home in the state folder."""
    home = (airflow_home or settings().airflow_home).resolve()
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIMEZONE,
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
    }


def apply(airflow_home: Path | None = None) -> dict[str, str]:
    """Set the Airflow variables in this process (before Airflow is imported: tests, benchmarks) and return them."""
    env = airflow_environ(airflow_home)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    export_to_process(env)
    return env


def airflow_cli() -> list[str]:
    """The ``airflow`` command of this interpreter's environment."""
    return [str(Path(sys.executable).parent / "airflow")]


def setup_commands() -> list[list[str]]:
    """What a new Airflow needs before chiso's DAGs run: its schema, and the dbt pool of one slot (docker
    compose's airflow-init runs the same)."""
    return [["db", "migrate"], ["pools", "set", DBT_POOL, "1", DBT_POOL_DESCRIPTION]]


def migrate_metadata_db(env: Mapping[str, str] | None = None) -> bool:
    """``setup_commands()`` in ``env`` (default: this process's settings and Airflow variables,
    :func:`chiso.config.child_environment`), unless the metadata DB is already set up for them; returns whether
    they ran.

    Each command starts the Airflow CLI (seconds of imports, then the migration check): a night whose metadata DB
    is at the revision this Airflow version set up, with the same commands, skips them (see :func:`setup_marker`).
    """
    env = dict(env) if env is not None else child_environment()
    home = Path(env["AIRFLOW_HOME"]) if env.get("AIRFLOW_HOME") else None
    if home:
        home.mkdir(parents=True, exist_ok=True)
    marker = setup_marker(env)
    if home and marker is not None and _read_marker(home) == marker:
        return False
    for command in setup_commands():
        subprocess.run([*airflow_cli(), *command], check=True, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    marker = setup_marker(env)
    if home and marker is not None:
        (home / SETUP_MARKER).write_text(json.dumps(marker, sort_keys=True), encoding="utf-8")
    return True


#: The file in AIRFLOW_HOME recording what the last set-up left: Airflow version, commands, schema revision.
SETUP_MARKER = "chiso-setup.json"


def setup_marker(env: Mapping[str, str]) -> dict[str, object] | None:
    """What a set-up of the metadata DB in ``env`` depends on and leaves: the Airflow version, the set-up commands,
    the DB, its alembic revision and the dbt pool's slots; ``None`` when the DB is no local SQLite file (the
    commands then always run: a shared server's schema may change under us)."""
    db = _sqlite_path(env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", ""))
    if db is None:
        return None
    return {"airflow": version("apache-airflow"), "commands": setup_commands(), "db": str(db),
            "revision": _sqlite_value(db, "select version_num from alembic_version"),
            "pool_slots": _sqlite_value(db, "select slots from slot_pool where pool = ?", DBT_POOL)}


def _sqlite_path(conn: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(conn[len(prefix):].split("?", 1)[0]) if conn.startswith(prefix) else None


def _sqlite_value(db: Path, query: str, *params: object) -> object:
    """The first value of ``query`` on the SQLite file ``db``; ``None`` when the file, table or row is missing."""
    if not db.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            row = conn.execute(query, params).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _read_marker(home: Path) -> object:
    try:
        return json.loads((home / SETUP_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
