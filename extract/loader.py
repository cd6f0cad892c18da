"""The one raw loader: stream rows with COPY into append-only ``raw`` tables, one batch per load.

A batch covers one (source, entity, period). Loading the same period again supersedes the earlier
batch in the same transaction, so readers (dbt staging) always see exactly one current batch per
period and a rerun never duplicates or loses rows. Anything wrong with the rows rolls the whole batch
back; the attempt is then recorded as ``quarantined`` with the error, and earlier data is untouched.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg
from psycopg import sql

from extract.sources.base import Column, SourceSpec

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"

_BATCH_DDL = """
create schema if not exists raw;
create table if not exists raw.load_batch (
    batch_id      uuid primary key,
    source        text        not null,
    entity        text        not null,
    period_start  date        not null,
    period_end    date        not null,
    status        text        not null
                  check (status in ('loading', 'loaded', 'superseded', 'quarantined', 'failed')),
    source_url    text,
    is_synthetic  boolean     not null,
    extracted_at  timestamptz not null,
    loaded_at     timestamptz,
    row_count     integer,
    checksum      text,
    superseded_by uuid references raw.load_batch (batch_id),
    error         text,
    check (period_end >= period_start)
);
create unique index if not exists load_batch_one_current_per_period
    on raw.load_batch (source, entity, period_start, period_end) where status = 'loaded';
"""


class LoadError(ValueError):
    """Rows that cannot be loaded; the message names the batch, row and column."""


@dataclass(frozen=True)
class LoadResult:
    batch_id: uuid.UUID
    source: str
    entity: str
    period_start: date
    period_end: date
    row_count: int
    checksum: str
    superseded: tuple[uuid.UUID, ...]


def ensure_raw_schema(conn: psycopg.Connection, spec: SourceSpec) -> None:
    """Create the batch table and the source's raw table if they do not exist yet."""
    cols = [sql.SQL("{} {}{}").format(sql.Identifier(c.name), sql.SQL(c.pg_type),
                                      sql.SQL("" if c.nullable else " not null")) for c in spec.columns]
    table_ddl = sql.SQL(
        "create table if not exists {}.{} ("
        "batch_id uuid not null references raw.load_batch (batch_id), {})"
    ).format(sql.Identifier(RAW_SCHEMA), sql.Identifier(spec.raw_table), sql.SQL(", ").join(cols))
    index_ddl = sql.SQL("create index if not exists {} on {}.{} (batch_id)").format(
        sql.Identifier(f"{spec.raw_table}_batch_idx"), sql.Identifier(RAW_SCHEMA), sql.Identifier(spec.raw_table))
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('chiso:raw-ddl'))")
        conn.execute(_BATCH_DDL)
        conn.execute(table_ddl)
        conn.execute(index_ddl)


def _typed(value: object, column: Column, where: str) -> object:
    if value is None:
        if column.nullable:
            return None
        raise LoadError(f"{where}, column '{column.name}': a value is required, got null")
    if column.pg_type in ("integer", "bigint"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise LoadError(f"{where}, column '{column.name}': expected an integer, got {value!r}")
        if value < 0:
            raise LoadError(f"{where}, column '{column.name}': expected a count >= 0, got {value}")
        return value
    if column.pg_type == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise LoadError(f"{where}, column '{column.name}': expected a number, got {value!r}")
        return value
    if column.pg_type == "date":
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise LoadError(f"{where}, column '{column.name}': expected a date YYYY-MM-DD, got {value!r}") from None
    if not isinstance(value, str) or not value.strip():
        raise LoadError(f"{where}, column '{column.name}': expected non-empty text, got {value!r}")
    return value


def _check_columns(row: dict[str, object], spec: SourceSpec, where: str) -> None:
    got, want = set(row), set(spec.column_names)
    if got != want:
        missing, extra = sorted(want - got), sorted(got - want)
        raise LoadError(
            f"{where}: schema drift in {spec.name}.{spec.entity}: "
            f"missing columns {missing or 'none'}, unexpected columns {extra or 'none'}; expected {sorted(want)}"
        )


def _lock_key(spec: SourceSpec) -> str:
    # one lock per source entity: loads of the same feed never interleave (periods may overlap)
    return f"chiso:load:{spec.name}:{spec.entity}"


def load_batch(
    conn: psycopg.Connection,
    spec: SourceSpec,
    period_start: date,
    period_end: date,
    rows: Iterable[dict[str, object]],
    *,
    source_url: str | None,
    is_synthetic: bool,
) -> LoadResult:
    """Load ``rows`` as the new current batch for the period; all or nothing."""
    ensure_raw_schema(conn, spec)
    batch_id = uuid.uuid4()
    label = f"batch {batch_id} ({spec.name}.{spec.entity} {period_start}..{period_end})"
    try:
        with conn.transaction():
            result = _load_in_transaction(conn, spec, period_start, period_end, rows, batch_id, label,
                                          source_url, is_synthetic)
    except Exception as exc:
        _record_rejected(conn, spec, period_start, period_end, batch_id, source_url, is_synthetic, exc)
        raise
    log.info("loaded %s: %s rows, superseded %s", label, result.row_count, len(result.superseded))
    return result


def _load_in_transaction(conn, spec, period_start, period_end, rows, batch_id, label,
                         source_url, is_synthetic) -> LoadResult:
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (_lock_key(spec),))
    overlapping = conn.execute(
        "select batch_id, period_start, period_end from raw.load_batch"
        " where source = %s and entity = %s and status = 'loaded'"
        "   and period_start <= %s and period_end >= %s"
        "   and not (period_start = %s and period_end = %s)",
        (spec.name, spec.entity, period_end, period_start, period_start, period_end),
    ).fetchall()
    if overlapping:
        b, s, e = overlapping[0]
        raise LoadError(f"{label}: overlaps current batch {b} ({s}..{e}); reload with the same period")
    conn.execute(
        "insert into raw.load_batch (batch_id, source, entity, period_start, period_end, status,"
        " source_url, is_synthetic, extracted_at) values (%s, %s, %s, %s, %s, 'loading', %s, %s, now())",
        (batch_id, spec.name, spec.entity, period_start, period_end, source_url, is_synthetic),
    )
    digest = hashlib.sha256()
    count = 0
    copy_sql = sql.SQL("copy {}.{} (batch_id, {}) from stdin").format(
        sql.Identifier(RAW_SCHEMA), sql.Identifier(spec.raw_table),
        sql.SQL(", ").join(sql.Identifier(c) for c in spec.column_names))
    with conn.cursor() as cur, cur.copy(copy_sql) as copy:
        for count, row in enumerate(rows, start=1):
            where = f"{label}, row {count}"
            _check_columns(row, spec, where)
            values = [_typed(row[c.name], c, where) for c in spec.columns]
            if spec.period_column:
                day = values[spec.column_names.index(spec.period_column)]
                if not period_start <= day <= period_end:
                    raise LoadError(f"{where}, column '{spec.period_column}': {day} is outside the batch period"
                                    f" {period_start}..{period_end}")
            digest.update(repr(values).encode())
            copy.write_row([batch_id, *values])
    superseded = [r[0] for r in conn.execute(
        "update raw.load_batch set status = 'superseded', superseded_by = %s"
        " where source = %s and entity = %s and period_start = %s and period_end = %s and status = 'loaded'"
        " returning batch_id",
        (batch_id, spec.name, spec.entity, period_start, period_end),
    ).fetchall()]
    checksum = digest.hexdigest()
    conn.execute(
        "update raw.load_batch set status = 'loaded', loaded_at = now(), row_count = %s, checksum = %s"
        " where batch_id = %s",
        (count, checksum, batch_id),
    )
    return LoadResult(batch_id, spec.name, spec.entity, period_start, period_end, count, checksum, tuple(superseded))


def _record_rejected(conn, spec, period_start, period_end, batch_id, source_url, is_synthetic, exc) -> None:
    status = "quarantined" if isinstance(exc, LoadError) else "failed"
    try:
        with conn.transaction():
            conn.execute(
                "insert into raw.load_batch (batch_id, source, entity, period_start, period_end, status,"
                " source_url, is_synthetic, extracted_at, error) values (%s, %s, %s, %s, %s, %s, %s, %s, now(), %s)",
                (batch_id, spec.name, spec.entity, period_start, period_end, status, source_url, is_synthetic,
                 str(exc)[:4000]),
            )
    except psycopg.Error:
        log.exception("could not record the rejected batch %s", batch_id)
