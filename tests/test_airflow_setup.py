"""The night's Airflow set-up (``db migrate``, the dbt pool) runs on a fresh or outdated metadata DB only."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from chiso import airflow_env

pytestmark = pytest.mark.slow


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    """The environment of an Airflow whose home (and SQLite metadata DB) does not exist yet."""
    return {**os.environ, **airflow_env.airflow_environ(tmp_path / "airflow")}


def head_state(env: dict[str, str]) -> tuple[object, object]:
    """The metadata DB's alembic revision and the dbt pool's slots, read from the SQLite file."""
    db = Path(env["AIRFLOW_HOME"]) / "airflow.db"
    with closing(sqlite3.connect(db)) as conn:
        revision = conn.execute("select version_num from alembic_version").fetchone()[0]
        slots = conn.execute("select slots from slot_pool where pool = ?", (airflow_env.DBT_POOL,)).fetchone()
    return revision, slots and slots[0]


def test_a_fresh_home_is_migrated_once_then_the_set_up_is_skipped(fresh_env: dict[str, str]) -> None:
    assert airflow_env.migrate_metadata_db(fresh_env) is True
    revision, slots = head_state(fresh_env)
    assert revision and slots == 1  # schema at a revision, the one-slot pool of the dbt tasks

    assert airflow_env.migrate_metadata_db(fresh_env) is False
    assert head_state(fresh_env) == (revision, 1)


def test_another_airflow_version_or_a_lost_pool_sets_up_again(fresh_env: dict[str, str]) -> None:
    airflow_env.migrate_metadata_db(fresh_env)
    marker = Path(fresh_env["AIRFLOW_HOME"]) / airflow_env.SETUP_MARKER
    recorded = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps({**recorded, "airflow": "2.10.5"}), encoding="utf-8")  # set up by an older Airflow
    assert airflow_env.migrate_metadata_db(fresh_env) is True
    assert json.loads(marker.read_text(encoding="utf-8"))["airflow"] == recorded["airflow"]

    with closing(sqlite3.connect(Path(fresh_env["AIRFLOW_HOME"]) / "airflow.db")) as conn, conn:
        conn.execute("delete from slot_pool where pool = ?", (airflow_env.DBT_POOL,))
    assert airflow_env.migrate_metadata_db(fresh_env) is True
    assert head_state(fresh_env)[1] == 1


def test_a_deleted_metadata_db_is_migrated_again(fresh_env: dict[str, str]) -> None:
    airflow_env.migrate_metadata_db(fresh_env)
    (Path(fresh_env["AIRFLOW_HOME"]) / "airflow.db").unlink()
    assert airflow_env.migrate_metadata_db(fresh_env) is True
    assert head_state(fresh_env)[0]
