"""Shared fixtures: a throwaway PostgreSQL database per test session, the source simulator, Airflow.

The database server is ``CHISO_TEST_DATABASE_URL`` if set, else 127.0.0.1:5432 (user postgres) if it
answers, else an embedded PostgreSQL started for the session. Each session creates its own database
and drops it at the end.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

# Everything chiso and Airflow write goes to a private folder, set before Airflow is ever imported.
_STATE = Path(tempfile.mkdtemp(prefix="chiso-test-"))
# registered first, so it runs last: after an embedded server (if any) has stopped at exit
atexit.register(shutil.rmtree, _STATE, ignore_errors=True)
os.environ["CHISO_STATE_DIR"] = str(_STATE)
os.environ.pop("CHISO_SOURCE_URL", None)
os.environ.pop("CHISO_DATABASE_URL", None)
os.environ["CHISO_TASK_RETRIES"] = "0"  # a failing task fails the test now, not after its retry delay

from chiso import airflow_env  # noqa: E402
from chiso.config import PROJECT_ROOT, settings  # noqa: E402
from chiso.database import create_database, drop_database, start_embedded, to_url  # noqa: E402

airflow_env.apply(_STATE / "airflow")

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SIMULATOR_TOKEN = "test-token"


def _reachable(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL with rights to create databases on the test server."""
    url = os.environ.get("CHISO_TEST_DATABASE_URL")
    if url:
        return url
    if _reachable(LOCAL_SERVER):
        return LOCAL_SERVER
    return start_embedded(_STATE / "pgdata", dbname="postgres")


@pytest.fixture(scope="session")
def warehouse_url(pg_admin_url: str) -> Iterator[str]:
    """The session's own database, exported as CHISO_DATABASE_URL for the code under test."""
    dbname = f"chiso_test_{uuid.uuid4().hex[:10]}"
    create_database(pg_admin_url, dbname)
    url = to_url(pg_admin_url, dbname=dbname)
    os.environ["CHISO_DATABASE_URL"] = url
    settings.cache_clear()
    yield url
    drop_database(pg_admin_url, dbname)


@pytest.fixture
def conn(warehouse_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(warehouse_url, autocommit=True) as c:
        yield c


@pytest.fixture(scope="session")
def simulator() -> Iterator[object]:
    """The source simulator on a free loopback port, exported as CHISO_SOURCE_URL."""
    from extract.simulator.server import make_simulator

    sim = make_simulator(settings().simulator_seed, SIMULATOR_TOKEN, PROJECT_ROOT / "seeds" / "agencies.csv").start()
    os.environ["CHISO_SOURCE_URL"] = sim.url
    os.environ["CHISO_SOURCE_TOKEN"] = SIMULATOR_TOKEN
    os.environ["CHISO_HTTP_RETRIES"] = "3"
    settings.cache_clear()
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata DB (SQLite in the session folder), migrated once."""
    airflow_env.migrate_metadata_db()
