"""Environment for running chiso's DAGs locally: Airflow home and its SQLite metadata DB in the state folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from chiso.config import PROJECT_ROOT, settings


def airflow_environ(airflow_home: Path | None = None) -> dict[str, str]:
    home = (airflow_home or settings().airflow_home).resolve()
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
    }


def apply(airflow_home: Path | None = None) -> dict[str, str]:
    """Set the Airflow variables in this process (before Airflow is imported) and return them."""
    env = airflow_environ(airflow_home)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    return env


def airflow_cli() -> list[str]:
    """The ``airflow`` command of this interpreter's environment."""
    return [str(Path(sys.executable).parent / "airflow")]


def setup_commands() -> list[list[str]]:
    """What a new Airflow needs before chiso's DAGs run: its schema, and the dbt pool of one slot (docker
    compose's airflow-init runs the same)."""
    from chiso.orchestration import DBT_POOL, DBT_POOL_DESCRIPTION

    return [["db", "migrate"], ["pools", "set", DBT_POOL, "1", DBT_POOL_DESCRIPTION]]


def migrate_metadata_db() -> None:
    """``setup_commands()`` (idempotent; fast when the schema is current)."""
    for command in setup_commands():
        subprocess.run([*airflow_cli(), *command], check=True, env=os.environ.copy(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
