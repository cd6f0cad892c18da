"""Least-privilege roles: a loader that writes raw, a transformer that builds the models, a BI reader of marts.

The three are group roles (NOLOGIN); people and services log in as their own users and are granted
one of them, e.g. ``create role metabase login password '…' in role chiso_bi_reader``.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

LOADER = "chiso_loader"
TRANSFORMER = "chiso_transformer"
BI_READER = "chiso_bi_reader"

#: Schemas dbt writes; raw is written by the loader only.
MODEL_SCHEMAS = ("seeds", "staging", "intermediate", "snapshots", "marts")


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def ensure_roles(conn: psycopg.Connection) -> None:
    """Create the roles if missing and (re)apply the grants in the current database; idempotent."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('chiso:roles'))")
        for role in (LOADER, TRANSFORMER, BI_READER):
            exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("create role {} nologin").format(_ident(role)))
                log.info("created role %s", role)
        db = _ident(conn.info.dbname)
        for schema in ("raw", *MODEL_SCHEMAS):
            conn.execute(sql.SQL("create schema if not exists {}").format(_ident(schema)))
        conn.execute(sql.SQL("revoke all on database {} from public").format(db))
        conn.execute(sql.SQL("grant connect on database {} to {}, {}, {}").format(
            db, _ident(LOADER), _ident(TRANSFORMER), _ident(BI_READER)))
        conn.execute("revoke create on schema public from public")
        _grant_loader(conn)
        _grant_transformer(conn)
        _grant_bi_reader(conn)


def _grant_loader(conn: psycopg.Connection) -> None:
    conn.execute(sql.SQL("grant usage, create on schema raw to {}").format(_ident(LOADER)))
    conn.execute(sql.SQL("grant select, insert, update on all tables in schema raw to {}").format(_ident(LOADER)))
    conn.execute(sql.SQL("alter default privileges in schema raw grant select, insert, update on tables to {}").format(
        _ident(LOADER)))


def _grant_transformer(conn: psycopg.Connection) -> None:
    conn.execute(sql.SQL("grant usage on schema raw to {}").format(_ident(TRANSFORMER)))
    conn.execute(sql.SQL("grant select on all tables in schema raw to {}").format(_ident(TRANSFORMER)))
    conn.execute(sql.SQL("alter default privileges in schema raw grant select on tables to {}").format(
        _ident(TRANSFORMER)))
    for schema in MODEL_SCHEMAS:
        conn.execute(sql.SQL("grant usage, create on schema {} to {}").format(_ident(schema), _ident(TRANSFORMER)))


def _grant_bi_reader(conn: psycopg.Connection) -> None:
    role = _ident(BI_READER)
    conn.execute(sql.SQL("grant usage on schema marts to {}").format(role))
    conn.execute(sql.SQL("grant select on all tables in schema marts to {}").format(role))
    # tables dbt creates later in marts are readable at once (dbt also re-grants via the grants config)
    conn.execute(sql.SQL("alter default privileges in schema marts grant select on tables to {}").format(role))
    for schema in ("raw", "seeds", "staging", "intermediate", "snapshots", "public"):
        conn.execute(sql.SQL("revoke all on schema {} from {}").format(_ident(schema), role))
