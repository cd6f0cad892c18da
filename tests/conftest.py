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
os.environ.setdefault("CHISO_INBOX_SETTLE_S", "0")  # tests write their files whole before the inbox reads them

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


#: The login the code under test runs as: it owns its database but is no superuser (as in docker compose).
TEST_OWNER = "chiso_test_owner"
TEST_OWNER_PASSWORD = "chiso-test"  # for a CHISO_TEST_DATABASE_URL server that asks for passwords


def new_warehouse(admin_url: str, prefix: str) -> str:
    """A fresh database owned by the non-superuser test login, initialised by the administrator (``chiso init``);
    returns the test login's URL. Drop it with ``drop_database(admin_url, <dbname>)``."""
    from chiso.warehouse import init_warehouse

    dbname = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute("select pg_advisory_lock(hashtext('chiso-test:owner'))")
        if not c.execute("select 1 from pg_roles where rolname = %s", (TEST_OWNER,)).fetchone():
            c.execute(psycopg.sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole password {}").format(
                psycopg.sql.Identifier(TEST_OWNER), psycopg.sql.Literal(TEST_OWNER_PASSWORD)))
        c.execute(psycopg.sql.SQL("create database {} owner {}").format(
            psycopg.sql.Identifier(dbname), psycopg.sql.Identifier(TEST_OWNER)))
    init_warehouse(TEST_OWNER, admin=to_url(admin_url, dbname=dbname))
    return to_url(admin_url, dbname=dbname, user=TEST_OWNER, password=TEST_OWNER_PASSWORD)


def dbname_of(url: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])


@pytest.fixture(scope="session")
def warehouse_url(pg_admin_url: str) -> Iterator[str]:
    """The session's own database, exported as CHISO_DATABASE_URL for the code under test: it logs in as a
    non-superuser owner, after ``chiso init`` by the administrator."""
    url = new_warehouse(pg_admin_url, "chiso_test")
    os.environ["CHISO_DATABASE_URL"] = url
    settings.cache_clear()
    yield url
    drop_database(pg_admin_url, dbname_of(url))


@pytest.fixture(scope="session")
def warehouse_admin_url(pg_admin_url: str, warehouse_url: str) -> str:
    """The session's database as the administrator (for tests that set up or inspect what the code may not)."""
    return to_url(pg_admin_url, dbname=dbname_of(warehouse_url))


@pytest.fixture
def conn(warehouse_admin_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(warehouse_admin_url, autocommit=True) as c:
        yield c


@pytest.fixture(scope="session")
def simulator() -> Iterator[object]:
    """The source simulator on a free loopback port, exported as CHISO_SOURCE_URL."""
    from simulator.server import make_simulator

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
