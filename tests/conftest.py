"""Shared fixtures: warehouses built once per test session and copied per module, the source simulator, Airflow.

The database server is ``CHISO_TEST_DATABASE_URL`` if set, else 127.0.0.1:5432 (user postgres) if it answers,
else an embedded PostgreSQL started for the session.

Expensive state is made once per session in a *template* database, and every module that touches the warehouse
gets its own copy (``CREATE DATABASE … TEMPLATE …``), dropped when the module ends:

* ``initialised``: ``chiso init`` only (roles, schemas, grants, empty raw tables) — the default;
* ``built``: the same, then every source extracted from the simulator over :data:`BUILT_WINDOW` and one
  ``dbt build`` (seeds, models, snapshot, tests) — for modules marked ``@pytest.mark.warehouse("built")``.

A module changes only its own copy, so no module depends on what another left behind, in any order. Every copy
takes the one database name of the session (a module's copy is dropped before the next module's is made):
dbt's partial parsing is keyed on the connection, database name included, so the one parse made while the
``built`` template was built under that name serves every later ``dbt`` run of the session.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

# Everything chiso and Airflow write goes to a private folder, set before Airflow is ever imported.
_STATE = Path(tempfile.mkdtemp(prefix="chiso-test-"))
# registered first, so it runs last: after an embedded server (if any) has stopped at exit
atexit.register(shutil.rmtree, _STATE, ignore_errors=True)
os.environ["CHISO_STATE_DIR"] = str(_STATE)
for _variable in ("CHISO_SOURCE_URL", "CHISO_DATABASE_URL", "CHISO_INBOX_DIR", "CHISO_EXPORT_DIR"):
    os.environ.pop(_variable, None)
os.environ["CHISO_TASK_RETRIES"] = "0"  # a failing task fails the test now, not after its retry delay
os.environ.setdefault("CHISO_INBOX_SETTLE_S", "0")  # tests write their files whole before the inbox reads them

from browser import chromium  # noqa: E402
from chiso import airflow_env  # noqa: E402
from chiso.config import PROJECT_ROOT, settings  # noqa: E402
from chiso.database import drop_database, start_embedded, to_url  # noqa: E402

airflow_env.apply(_STATE / "airflow")

# the portal tests' CKAN (brought up beside the suite) and its fault-injecting proxy: tests/ckan_server.py
pytest_plugins = ("ckan_server",)

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SIMULATOR_TOKEN = "test-token"
#: What the ``built`` template holds: two months of every source, extracted and built.
BUILT_WINDOW = (date(2026, 1, 1), date(2026, 2, 28))
#: The one name every module's copy takes in this session (see the module docstring).
SESSION_DB = f"chiso_test_{uuid.uuid4().hex[:10]}"
WAREHOUSE_STATES = ("initialised", "built")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reverse", action="store_true",
                     help="run the tests in reverse order (with -p no:randomly: the collection order, reversed)")


def _starts_early(item: pytest.Item) -> bool:
    return hasattr(getattr(item, "module", None), "start_early")


@pytest.hookimpl(trylast=True)  # after pytest-randomly has shuffled, if it is on
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse"):
        items.reverse()
    # a module whose work starts with the session (see pytest_collection_finish) shares nothing with the others;
    # its tests go last, so that work overlaps the whole suite instead of being waited for
    items.sort(key=_starts_early)


def _reachable(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        return False


@functools.cache
def admin_server_url() -> str:
    """A URL with rights to create databases on the test server (the same one for the whole session)."""
    url = os.environ.get("CHISO_TEST_DATABASE_URL")
    if url:
        return url
    if _reachable(LOCAL_SERVER):
        return LOCAL_SERVER
    return start_embedded(_STATE / "pgdata", dbname="postgres")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL with rights to create databases on the test server."""
    return admin_server_url()


def pytest_collection_finish(session: pytest.Session) -> None:
    """A module whose selected tests wait on slow work outside this process (the Celery night) starts it now,
    through its ``start_early(config)``, so that it runs beside the rest of the suite instead of after it."""
    if session.config.option.collectonly:
        return
    started: set[str] = set()
    for item in filter(_starts_early, session.items):
        if item.module.__name__ not in started:
            started.add(item.module.__name__)
            item.module.start_early(session.config)


#: The login the code under test runs as: it owns its database but is no superuser (as in docker compose).
TEST_OWNER = "chiso_test_owner"
TEST_OWNER_PASSWORD = "chiso-test"  # for a CHISO_TEST_DATABASE_URL server that asks for passwords


def _ensure_test_owner(c: psycopg.Connection) -> None:
    c.execute("select pg_advisory_lock(hashtext('chiso-test:owner'))")
    try:
        if not c.execute("select 1 from pg_roles where rolname = %s", (TEST_OWNER,)).fetchone():
            c.execute(sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole password {}").format(
                sql.Identifier(TEST_OWNER), sql.Literal(TEST_OWNER_PASSWORD)))
    finally:
        c.execute("select pg_advisory_unlock(hashtext('chiso-test:owner'))")


def _owner_url(admin_url: str, dbname: str) -> str:
    return to_url(admin_url, dbname=dbname, user=TEST_OWNER, password=TEST_OWNER_PASSWORD)


def new_warehouse(admin_url: str, prefix: str, *, dbname: str | None = None) -> str:
    """A fresh database (``dbname``, else ``<prefix>_<random>``) owned by the non-superuser test login,
    initialised by the administrator (``chiso init``); returns the test login's URL.
    Drop it with ``drop_database(admin_url, <dbname>)``."""
    from chiso.warehouse import init_warehouse

    dbname = dbname or f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as c:
        _ensure_test_owner(c)
        c.execute(sql.SQL("create database {} owner {}").format(sql.Identifier(dbname), sql.Identifier(TEST_OWNER)))
    init_warehouse(TEST_OWNER, admin=to_url(admin_url, dbname=dbname))
    return _owner_url(admin_url, dbname)


def _disconnect(c: psycopg.Connection, dbname: str) -> None:
    """End every other session on ``dbname``: a database is copied or renamed only while nobody is connected."""
    c.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
              (dbname,))


def copy_warehouse(admin_url: str, template: str, dbname: str) -> str:
    """``dbname`` as a copy of the database ``template`` (a leftover of that name is dropped first), owned by the
    test login; returns the test login's URL.

    The copy holds the template's schemas, tables, owners and grants; ``chiso init`` runs on it again because the
    privileges on the database itself (connect and temporary for the chiso roles only) are not copied.
    """
    from chiso.warehouse import init_warehouse

    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname)))
        _disconnect(c, template)
        c.execute(sql.SQL("create database {} template {} owner {}").format(
            sql.Identifier(dbname), sql.Identifier(template), sql.Identifier(TEST_OWNER)))
    init_warehouse(TEST_OWNER, admin=to_url(admin_url, dbname=dbname))
    return _owner_url(admin_url, dbname)


def dbname_of(url: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])


@contextmanager
def chiso_environment(**variables: str | None) -> Iterator[None]:
    """``CHISO_*`` variables set (None: unset) for the code under test, and put back as they were afterwards."""
    names = [f"CHISO_{name.upper()}" for name in variables]
    before = {name: os.environ.get(name) for name in names}
    try:
        for name, value in zip(names, variables.values(), strict=True):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        settings.cache_clear()
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        settings.cache_clear()


def _freeze(admin_url: str, dbname: str, template: str) -> None:
    """Rename the database just built to its template name; no session may connect to a template from now on."""
    with psycopg.connect(admin_url, autocommit=True) as c:
        _disconnect(c, dbname)
        c.execute(sql.SQL("alter database {} rename to {}").format(sql.Identifier(dbname), sql.Identifier(template)))
        c.execute(sql.SQL("alter database {} with is_template true allow_connections false").format(
            sql.Identifier(template)))


#: Databases this session has finished with, dropped together when it ends: each DROP DATABASE waits for a
#: checkpoint (a second or more on a busy server), and drops made at once share one.
_RETIRED: list[tuple[str, str]] = []


def retire_database(admin_url: str, dbname: str) -> None:
    """Take ``dbname`` out of use now (renamed, nobody connected) and drop it when the session ends."""
    retired = f"{SESSION_DB}_done_{len(_RETIRED)}"
    with psycopg.connect(admin_url, autocommit=True) as c:
        _disconnect(c, dbname)
        c.execute(sql.SQL("alter database {} rename to {}").format(sql.Identifier(dbname), sql.Identifier(retired)))
        c.execute(sql.SQL("alter database {} with is_template false").format(sql.Identifier(retired)))
    _RETIRED.append((admin_url, retired))


@pytest.fixture(scope="session", autouse=True)
def _drop_retired_databases() -> Iterator[None]:
    yield
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda retired: drop_database(*retired), _RETIRED))
    _RETIRED.clear()


@pytest.fixture(scope="session")
def initialised_template(pg_admin_url: str) -> Iterator[str]:
    """The name of a template database after ``chiso init``: roles, schemas, grants, empty raw tables."""
    template = f"{SESSION_DB}_tpl_init"
    new_warehouse(pg_admin_url, "", dbname=SESSION_DB)
    _freeze(pg_admin_url, SESSION_DB, template)
    yield template
    retire_database(pg_admin_url, template)


@pytest.fixture(scope="session")
def built_template(pg_admin_url: str, initialised_template: str, tmp_path_factory) -> Iterator[str]:
    """The name of a template database holding every source over :data:`BUILT_WINDOW`, loaded from a simulator of
    its own (whatever the tests did to theirs) and built by dbt. Built under the session's database name (see the
    module docstring), then renamed."""
    from chiso.extraction import extract_source
    from chiso.warehouse import build_warehouse
    from extract.sources import SOURCES

    template = f"{SESSION_DB}_tpl_built"
    url = copy_warehouse(pg_admin_url, initialised_template, SESSION_DB)
    state = tmp_path_factory.mktemp("built-template")
    with (running_simulator(),
          chiso_environment(database_url=url, inbox_dir=str(state / "inbox"), export_dir=str(state / "exports"))):
        for name in sorted(SOURCES):
            extract_source(name, *BUILT_WINDOW)
        build_warehouse()
    _freeze(pg_admin_url, SESSION_DB, template)
    yield template
    retire_database(pg_admin_url, template)


@pytest.fixture(scope="module")
def warehouse_url(request: pytest.FixtureRequest, pg_admin_url: str, tmp_path_factory) -> Iterator[str]:
    """This module's own warehouse, a copy of the template its ``warehouse`` marker names, exported as
    CHISO_DATABASE_URL (with the module's own inbox and export folders) for the code under test: it logs in as a
    non-superuser owner, after ``chiso init`` by the administrator. Dropped when the module ends."""
    marker = request.node.get_closest_marker("warehouse")
    state = marker.args[0] if marker else "initialised"
    assert state in WAREHOUSE_STATES, f"{request.node.name}: unknown warehouse state {state!r}"
    template = request.getfixturevalue(f"{state}_template")
    url = copy_warehouse(pg_admin_url, template, SESSION_DB)
    folder = tmp_path_factory.mktemp(request.node.name.removesuffix(".py"))
    try:
        with chiso_environment(database_url=url, inbox_dir=str(folder / "inbox"), export_dir=str(folder / "exports")):
            yield url
    finally:
        retire_database(pg_admin_url, SESSION_DB)


@pytest.fixture(scope="module")
def warehouse_admin_url(pg_admin_url: str, warehouse_url: str) -> str:
    """The module's database as the administrator (for tests that set up or inspect what the code may not)."""
    return to_url(pg_admin_url, dbname=dbname_of(warehouse_url))


def snapshot_warehouse(admin_url: str, url: str, suffix: str) -> str:
    """A copy of the warehouse at ``url`` as it is now (for a module that goes on changing its own), dropped when
    the session ends; returns the test login's URL of the copy."""
    copy = f"{dbname_of(url)}_{suffix}"
    copied = copy_warehouse(admin_url, dbname_of(url), copy)
    _RETIRED.append((admin_url, copy))
    return copied


def table_content(conn: psycopg.Connection, relation: str, skip: tuple[str, ...] = ()) -> list[tuple]:
    """Every row of ``relation`` (schema.table) without the ``skip`` columns, sorted: what two builds must agree on."""
    schema, table = relation.split(".")
    columns = [c for (c,) in conn.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
        " order by ordinal_position", (schema, table)) if c not in skip]
    assert columns, relation
    listed = ", ".join(f'"{c}"' for c in columns)
    return conn.execute(f"select {listed} from {relation} order by {listed}").fetchall()


@pytest.fixture
def conn(warehouse_admin_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(warehouse_admin_url, autocommit=True) as c:
        yield c


@contextmanager
def running_simulator() -> Iterator[object]:
    """A fresh source simulator (the configured seed, no revision, no fault armed) on a free loopback port,
    exported as CHISO_SOURCE_URL while it runs."""
    from simulator.server import make_simulator

    sim = make_simulator(settings().simulator_seed, SIMULATOR_TOKEN, PROJECT_ROOT / "seeds" / "agencies.csv").start()
    try:
        with chiso_environment(source_url=sim.url, source_token=SIMULATOR_TOKEN, http_retries="3"):
            yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def simulator() -> Iterator[object]:
    """The module's own source simulator: what one module revises or arms in it never reaches another."""
    with running_simulator() as sim:
        yield sim


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata DB (SQLite in the session folder), migrated once."""
    airflow_env.migrate_metadata_db()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session (tests/browser.py opens pages in it)."""
    with chromium() as b:
        yield b

