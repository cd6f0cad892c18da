"""Least-privilege roles: a loader that writes raw, a transformer that builds the models, a BI reader of marts.

The three are group roles (NOLOGIN). ``chiso init``, run once by an administrator, creates them with the schemas
and grants, and lets the run-time login (the database owner, e.g. ``chiso`` in docker compose) take them. At run
time every connection takes one of them (``SET ROLE`` through the connection options): extraction as the loader,
dbt as the transformer, publishing as the BI reader — never as the login itself, never as a superuser.
People and services log in as their own users and are granted one of them, e.g.
``create role metabase login password '…' in role chiso_bi_reader``.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

LOADER = "chiso_loader"
TRANSFORMER = "chiso_transformer"
BI_READER = "chiso_bi_reader"
ROLES = (LOADER, TRANSFORMER, BI_READER)
#: the login the demo's night uses on the embedded server (docker compose makes its own, also named chiso)
RUNTIME_LOGIN = "chiso"

#: Schemas dbt writes; raw is written by the loader only.
MODEL_SCHEMAS = ("seeds", "staging", "intermediate", "snapshots", "marts")
#: who owns what is in each schema: the role that writes it
OWNERS = {"raw": LOADER, **dict.fromkeys(MODEL_SCHEMAS, TRANSFORMER)}


class NotInitialised(RuntimeError):
    """The warehouse database lacks the roles, schemas or grants that ``chiso init`` makes."""


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def ensure_roles(conn: psycopg.Connection, runtime_user: str | None = None) -> None:
    """Administrator's part of ``chiso init``: roles, schemas, ownership and grants in the current database.

    Idempotent. Needs a superuser (or a role with CREATEROLE that owns the database). ``runtime_user`` (the login
    the DAGs and the CLI use) is granted the loader and transformer roles, and the BI reader for publishing.
    """
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('chiso:roles'))")
        for role in ROLES:
            exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("create role {} nologin").format(_ident(role)))
                log.info("created role %s", role)
        db = _ident(conn.info.dbname)
        for schema in OWNERS:
            conn.execute(sql.SQL("create schema if not exists {}").format(_ident(schema)))
        conn.execute(sql.SQL("revoke all on database {} from public").format(db))
        conn.execute(sql.SQL("grant connect on database {} to {}, {}, {}").format(
            db, _ident(LOADER), _ident(TRANSFORMER), _ident(BI_READER)))
        # dbt's temporary tables
        conn.execute(sql.SQL("grant temporary on database {} to {}").format(db, _ident(TRANSFORMER)))
        conn.execute("revoke create on schema public from public")
        _hand_over_ownership(conn)
        _grant_loader(conn)
        _grant_transformer(conn)
        _grant_bi_reader(conn)
        if runtime_user:
            conn.execute(sql.SQL("grant {}, {}, {} to {}").format(
                _ident(LOADER), _ident(TRANSFORMER), _ident(BI_READER), _ident(runtime_user)))
            conn.execute(sql.SQL("grant connect on database {} to {}").format(db, _ident(runtime_user)))


def ensure_login(conn: psycopg.Connection, name: str) -> None:
    """A login role ``name`` without superuser, database or role creation (made if missing; never altered)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('chiso:roles'))")
        if not conn.execute("select 1 from pg_roles where rolname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole").format(_ident(name)))
            log.info("created login %s", name)


def _hand_over_ownership(conn: psycopg.Connection) -> None:
    """Tables and views made before the roles existed (by the administrator) pass to the role that writes them."""
    kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "S": "sequence"}
    rows = conn.execute(
        "select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = any(%s) and c.relkind = any(%s) and pg_get_userbyid(c.relowner) <> all(%s)"
        "   and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'a'))",
        (list(OWNERS), list(kinds), list(ROLES))).fetchall()
    for schema, name, kind in rows:
        conn.execute(sql.SQL("alter {} {}.{} owner to {}").format(
            sql.SQL(kinds[kind]), _ident(schema), _ident(name), _ident(OWNERS[schema])))
    if rows:
        log.info("handed %s relations over to the chiso roles", len(rows))


def _grant_loader(conn: psycopg.Connection) -> None:
    conn.execute(sql.SQL("grant usage, create on schema raw to {}").format(_ident(LOADER)))
    conn.execute(sql.SQL("grant select, insert, update on all tables in schema raw to {}").format(_ident(LOADER)))


def _grant_transformer(conn: psycopg.Connection) -> None:
    conn.execute(sql.SQL("grant usage on schema raw to {}").format(_ident(TRANSFORMER)))
    conn.execute(sql.SQL("grant select on all tables in schema raw to {}").format(_ident(TRANSFORMER)))
    # raw tables the loader creates later (a new source) are readable by dbt at once
    conn.execute(sql.SQL("alter default privileges for role {} in schema raw grant select on tables to {}").format(
        _ident(LOADER), _ident(TRANSFORMER)))
    for schema in MODEL_SCHEMAS:
        conn.execute(sql.SQL("grant usage, create on schema {} to {}").format(_ident(schema), _ident(TRANSFORMER)))


def _grant_bi_reader(conn: psycopg.Connection) -> None:
    role = _ident(BI_READER)
    conn.execute(sql.SQL("grant usage on schema marts to {}").format(role))
    conn.execute(sql.SQL("grant select on all tables in schema marts to {}").format(role))
    # tables dbt creates later in marts are readable at once (dbt also re-grants via the grants config)
    conn.execute(sql.SQL("alter default privileges for role {} in schema marts grant select on tables to {}").format(
        _ident(TRANSFORMER), role))
    for schema in ("raw", "seeds", "staging", "intermediate", "snapshots", "public"):
        conn.execute(sql.SQL("revoke all on schema {} from {}").format(_ident(schema), role))


def require_initialised(conn: psycopg.Connection) -> None:
    """Raise :class:`NotInitialised`, saying to run ``chiso init``, unless the login may take every chiso role."""
    missing = [role for role, ok in conn.execute(
        "select r, exists (select 1 from pg_roles where rolname = r) and pg_has_role(session_user, r, 'member')"
        " from unnest(%s::text[]) as r", (list(ROLES),)).fetchall() if not ok]
    schemas = [s for s, ok in conn.execute("select s, to_regnamespace(s) is not null from unnest(%s::text[]) as s",
                                           (list(OWNERS),)).fetchall() if not ok]
    if missing or schemas:
        user, db = conn.info.user, conn.info.dbname
        what = ", ".join([*(f"role {r} (or {user} may not take it)" for r in missing),
                          *(f"schema {s}" for s in schemas)])
        raise NotInitialised(
            f"database {db} is not initialised for chiso (missing: {what}); an administrator runs once:"
            f" CHISO_ADMIN_DATABASE_URL=postgresql://<superuser>@<host>/{db} chiso init --runtime-user {user}")
