"""Warehouse-wide locks between processes: PostgreSQL session advisory locks, waited for with a deadline."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

log = logging.getLogger(__name__)


class LockBusy(RuntimeError):
    """Another process held the lock for longer than this one may wait; the message names the holder."""


@contextmanager
def advisory_lock(conn: psycopg.Connection, key: str, wait_s: float, *, what: str, wait_variable: str,
                  busy: type[LockBusy] = LockBusy) -> Iterator[None]:
    """Hold the advisory lock ``key`` on ``conn`` (``pg_try_advisory_lock(hashtext(key))``) for the block.

    While another session holds it this one polls, logging once who holds it; after ``wait_s`` it raises
    ``busy`` ("another <what> is running (holder); waited … s (<wait_variable>) …"). The lock goes with the
    session, so a killed process never leaves it behind; no transaction is left open for the caller.
    """
    deadline, told = time.monotonic() + wait_s, False
    while not _try_lock(conn, key):
        holder = lock_holder(conn, key)
        if time.monotonic() >= deadline:
            raise busy(f"another {what} is in progress ({holder}; lock '{key}'); waited {wait_s:g} s"
                       f" ({wait_variable}); run again when it has finished, or wait longer")
        if not told:
            log.warning("waiting for the other %s to finish (%s)", what, holder)
            told = True
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    try:
        yield
    finally:
        if not (conn.closed or conn.broken):
            try:
                with conn.transaction():
                    conn.execute("select pg_advisory_unlock(hashtext(%s))", (key,))
            except psycopg.Error as exc:  # the lock goes with the connection anyway
                log.warning("could not release the lock %s: %s", key, exc)


def _try_lock(conn: psycopg.Connection, key: str) -> bool:
    with conn.transaction():  # a session lock outlives the transaction
        return conn.execute("select pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]


def lock_holder(conn: psycopg.Connection, key: str) -> str:
    """Who holds ``key`` in this database: PostgreSQL pid, application name, since when."""
    with conn.transaction():
        row = conn.execute(
            "select a.pid, a.application_name, a.backend_start from pg_locks l join pg_stat_activity a using (pid)"
            " where l.locktype = 'advisory' and l.granted and l.objid = (hashtext(%s)::bigint & 4294967295)::oid"
            "   and l.database = (select oid from pg_database where datname = current_database()) limit 1",
            (key,)).fetchone()
    if row is None:
        return "holder unknown"
    return f"PostgreSQL pid {row[0]}, {row[1] or 'no application name'}, connected {row[2]:%Y-%m-%d %H:%M:%S %Z}"
