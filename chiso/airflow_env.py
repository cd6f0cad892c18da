"""How chiso runs Airflow as a program: its home and metadata DB in the state folder, its command, its dbt pool."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
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


def migrate_metadata_db(env: Mapping[str, str] | None = None) -> None:
    """``setup_commands()`` (idempotent; fast when the schema is current), in ``env`` (default: this process's
    settings and Airflow variables, :func:`chiso.config.child_environment`)."""
    env = dict(env) if env is not None else child_environment()
    if env.get("AIRFLOW_HOME"):
        Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    for command in setup_commands():
        subprocess.run([*airflow_cli(), *command], check=True, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
