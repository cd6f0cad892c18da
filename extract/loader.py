"""The one raw loader: stream rows with COPY into append-only ``raw`` tables, one batch per load.

A batch covers one (source, entity, period). Loading the same period again supersedes the earlier
batch in the same transaction, so readers (dbt staging) always see exactly one current batch per
period and a rerun never duplicates or loses rows. Anything wrong with the rows rolls the whole batch
back; the attempt is then recorded as ``quarantined`` with the error, and earlier data is untouched.

Before a batch supersedes anything it must be unique (the feed's declared key), typed and within the declared
bounds, name only units the registry knows for its dates, and be complete: cover every unit that reports on the
feed and not fall sharply below the batch it replaces. An incomplete batch loads only when an operator accepts it
(``accept``), and the acceptance is recorded on the batch.

Rows are checked and sent ``CHUNK_ROWS`` at a time, a column at a time, so the loader keeps pace with plain COPY
(``benchmarks/bench_loader.py``); a chunk with anything unusual in it is checked again row by row, which names the
first bad row, column and value. The batch checksum is SHA-256 over the rows' COPY text (``CHECKSUM_SCHEME``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice, repeat
from operator import eq, itemgetter, methodcaller

import psycopg
from psycopg import sql

from extract.sources.base import NUMERIC_LIMIT, Column, SourceSpec
from extract.sources.units import Unit

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"

_BATCH_DDL = """
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
    accepted      text,
    check (period_end >= period_start)
);
create unique index if not exists load_batch_one_current_per_period
    on raw.load_batch (source, entity, period_start, period_end) where status = 'loaded';
"""
#: columns raw.load_batch gained after its first version (added by ``chiso init`` to an older warehouse)
_BATCH_COLUMNS_ADDED = (("accepted", "text"),)

#: A column of a batch whose total falls below this share of the current batch's makes the batch incomplete
MAX_DROP = 0.5
#: ... unless the current total is this small (a quiet day moves a lot in relative terms)
DROP_MIN_TOTAL = 100


class LoadError(ValueError):
    """Rows that cannot be loaded; the message names the batch, row and column."""


class IncompleteBatch(LoadError):
    """A batch that would replace data with less (missing units, a sharp fall); loads only when accepted."""


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
    """Create the batch table and the source's raw table if they do not exist yet.

    Nothing is run when both exist, so the loader role (which may create tables in ``raw`` but not schemas)
    can call it at run time; the ``raw`` schema itself comes from ``chiso init``.
    """
    present = conn.execute("select to_regclass('raw.load_batch') is not null, to_regclass(%s) is not null,"
                           " (select count(*) from information_schema.columns where table_schema = 'raw'"
                           "  and table_name = 'load_batch' and column_name = any(%s))",
                           (f"{RAW_SCHEMA}.{spec.raw_table}", [c for c, _ in _BATCH_COLUMNS_ADDED])).fetchone()
    if present == (True, True, len(_BATCH_COLUMNS_ADDED)):
        return
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
        if conn.execute("select to_regnamespace('raw') is null").fetchone()[0]:
            conn.execute("create schema raw")
        conn.execute(_BATCH_DDL)
        for column, pg_type in _BATCH_COLUMNS_ADDED:
            conn.execute(sql.SQL("alter table raw.load_batch add column if not exists {} {}").format(
                sql.Identifier(column), sql.SQL(pg_type)))
        conn.execute(table_ddl)
        conn.execute(index_ddl)
        if spec.sync == "changes":  # a record's versions are read by its key (dbt's history of states)
            conn.execute(sql.SQL("create index if not exists {} on {}.{} ({})").format(
                sql.Identifier(f"{spec.raw_table}_key_idx"), sql.Identifier(RAW_SCHEMA),
                sql.Identifier(spec.raw_table), sql.SQL(", ").join(sql.Identifier(c) for c in spec.key)))


def _typed(value: object, column: Column, where: str) -> object:
    if value is None:
        if column.nullable:
            return None
        raise LoadError(f"{where}, column '{column.name}': a value is required, got null")
    if column.pg_type in ("integer", "bigint"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise LoadError(f"{where}, column '{column.name}': expected an integer, got {_shown(value)}")
        if value < 0:
            raise LoadError(f"{where}, column '{column.name}': expected a count >= 0, got {_shown(value)}")
        if value > column.upper_bound:
            raise LoadError(f"{where}, column '{column.name}': {_shown(value)} is more than the largest plausible"
                            f" value {column.upper_bound:,} declared for this feed; check the source")
        return value
    if column.pg_type == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise LoadError(f"{where}, column '{column.name}': expected a number, got {_shown(value)}")
        if not math.isfinite(value) or abs(value) >= NUMERIC_LIMIT:
            raise LoadError(f"{where}, column '{column.name}': expected a finite number below {NUMERIC_LIMIT:.0e},"
                            f" got {_shown(value)}")
        return value
    if column.pg_type == "date":
        if not isinstance(value, (str, date)):
            raise LoadError(f"{where}, column '{column.name}': expected a date YYYY-MM-DD, got {_shown(value)}")
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise LoadError(f"{where}, column '{column.name}': expected a date YYYY-MM-DD,"
                            f" got {_shown(value)}") from None
    if column.pg_type == "boolean":
        if not isinstance(value, bool):
            raise LoadError(f"{where}, column '{column.name}': expected true or false, got {_shown(value)}")
        return value
    if column.pg_type == "timestamptz":
        moment = _timestamp(value)
        if moment is None:
            raise LoadError(f"{where}, column '{column.name}': expected an ISO time with its offset"
                            f" (2026-01-05T08:30:00+07:00), got {_shown(value)}")
        return moment
    if not isinstance(value, str) or not value.strip():
        raise LoadError(f"{where}, column '{column.name}': expected non-empty text, got {_shown(value)}")
    if column.allowed is not None and value not in column.allowed:
        raise LoadError(f"{where}, column '{column.name}': {_shown(value)} is not one of the declared codes"
                        f" {', '.join(column.allowed)}; correct the source or declare the code")
    if len(value) > column.max_length:
        raise LoadError(f"{where}, column '{column.name}': text of {len(value):,} characters, at most"
                        f" {column.max_length} expected (starts {_shown(value[:40])})")
    if "\x00" in value:
        raise LoadError(f"{where}, column '{column.name}': the text contains a NUL character ({_shown(value[:60])})")
    return value


def _timestamp(value: object) -> datetime | None:
    """An ISO time with a time-zone offset, or None when ``value`` is not one."""
    if not isinstance(value, str):
        return value if isinstance(value, datetime) and value.tzinfo else None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _shown(value: object, limit: int = 80) -> str:
    """A value as it may appear in a message: ``repr``, cut short (a 5 MB code is not echoed whole)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a {len(str(abs(value)))}-digit number"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _check_columns(row: dict[str, object], spec: SourceSpec, where: str) -> None:
    got, want = set(row), set(spec.column_names)
    if got != want:
        missing, extra = sorted(want - got), sorted(got - want)
        raise LoadError(
            f"{where}: schema drift in {spec.name}.{spec.entity}: "
            f"missing columns {missing or 'none'}, unexpected columns {extra or 'none'}; expected {sorted(want)}"
        )


#: how many rows are checked and sent together (one COPY write, one checksum update): memory stays flat however
#: long the feed, and each check runs over a column of a chunk at C speed instead of value by value
CHUNK_ROWS = 2000
#: the checksum of a batch: SHA-256 over its rows as COPY text (see ``_copy_rows``); the tag tells these values apart
#: from those of batches loaded before (SHA-256 over Python ``repr``), which are not comparable with them
CHECKSUM_SCHEME = "sha256-copy:"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


class _Refused(Exception):
    """A chunk the column checks do not take as it is; its rows are checked one by one, which names the error."""


#: a column's values in a chunk -> their COPY text; raises ``_Refused`` unless every value is plainly fine
ColumnEncoder = Callable[[list[object]], list[str]]


def _encoder(column: Column, period: tuple[date, date] | None) -> ColumnEncoder:
    """The encoder of one column, built once per batch; ``period`` bounds the batch's period column.

    Anything it does not accept outright (a null where none may be, a wrong type, out of bounds, an unusual but
    valid value such as an int subclass, or dates both as text and as objects) refuses the chunk; ``_slow_row``
    then applies ``_typed`` row by row, so every message names the same first row, column and value as before.
    """
    if column.pg_type in ("integer", "bigint"):
        encode = _integer_encoder(column.upper_bound)
    elif column.pg_type == "numeric":
        encode = _numeric
    elif column.pg_type == "date":
        encode = _date_encoder(period)
    elif column.pg_type == "boolean":
        encode = _boolean
    elif column.pg_type == "timestamptz":
        encode = _timestamps
    else:
        encode = _text_encoder(column.max_length, column.allowed)
    return _or_null(encode) if column.nullable else encode


def _integer_encoder(upper: int) -> ColumnEncoder:
    def encode(values: list[object]) -> list[str]:
        if set(map(type, values)) != {int} or min(values) < 0 or max(values) > upper:
            raise _Refused
        return list(map(str, values))
    return encode


def _numeric(values: list[object]) -> list[str]:
    try:
        plain = set(map(type, values)) <= {int, float, Decimal} and all(map(math.isfinite, values)) \
            and max(map(abs, values)) < NUMERIC_LIMIT
    except (OverflowError, ValueError):  # an int too large for a float, a signalling NaN: the row-by-row check
        plain = False  # then does what the loader always did
    if not plain:
        raise _Refused
    return list(map(str, values))


def _date_encoder(period: tuple[date, date] | None) -> ColumnEncoder:
    def encode(values: list[object]) -> list[str]:
        types = set(map(type, values))
        if types == {str}:
            try:
                days = list(map(date.fromisoformat, values))
            except ValueError:
                raise _Refused from None
        elif types == {date}:
            days = values
        else:
            raise _Refused
        if period and (min(days) < period[0] or max(days) > period[1]):
            raise _Refused
        return list(map(date.isoformat, days))
    return encode


def _boolean(values: list[object]) -> list[str]:
    if set(map(type, values)) != {bool}:
        raise _Refused
    return ["t" if v else "f" for v in values]


def _timestamps(values: list[object]) -> list[str]:
    moments = list(map(_timestamp, values))
    if None in moments:
        raise _Refused
    return [m.isoformat() for m in moments]


def _text_encoder(max_length: int, allowed: tuple[str, ...] | None = None) -> ColumnEncoder:
    codes = frozenset(allowed) if allowed is not None else None

    def encode(values: list[object]) -> list[str]:
        if set(map(type, values)) != {str} or max(map(len, values)) > max_length or not all(map(str.strip, values)):
            raise _Refused
        if codes is not None and not codes.issuperset(values):
            raise _Refused
        joined = "".join(values)
        if "\x00" in joined:
            raise _Refused
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            return [v.translate(_COPY_ESCAPES) for v in values]
        return values
    return encode


def _or_null(encode: ColumnEncoder) -> ColumnEncoder:
    def or_null(values: list[object]) -> list[str]:
        if None not in values:
            return encode(values)
        present = [v for v in values if v is not None]
        encoded = iter(encode(present) if present else ())
        return [_NULL if v is None else next(encoded) for v in values]
    return or_null


def _copy_text(value: object) -> str:
    """Any value ``_typed`` returned, as a COPY text field (the slow path: int subclasses, mixed types)."""
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value if isinstance(value, Decimal | float) else int(value))


def _slow_row(row: dict[str, object], spec: SourceSpec, where: str, period: tuple[date, date]) -> str:
    """The row checked value by value, in declared order, as the loader always did: raises the first problem."""
    _check_columns(row, spec, where)
    values = [_typed(row[c.name], c, where) for c in spec.columns]
    if spec.period_column:
        day = values[spec.column_names.index(spec.period_column)]
        if not period[0] <= day <= period[1]:
            raise LoadError(f"{where}, column '{spec.period_column}': {day} is outside the batch period"
                            f" {period[0]}..{period[1]}")
    return "\t".join(map(_copy_text, values))


def _chunk_lines(chunk: list[dict[str, object]], spec: SourceSpec, encoders: list[ColumnEncoder],
                 expected: frozenset[str]) -> list[str]:
    """Each row of the chunk as a COPY text line (no batch id, no newline), checked a column at a time."""
    if not all(map(eq, map(methodcaller("keys"), chunk), repeat(expected))):
        raise _Refused
    columns = [encode(list(map(itemgetter(name), chunk))) for encode, name in zip(encoders, spec.column_names,
                                                                                    strict=True)]
    return list(map("\t".join, zip(*columns, strict=True)))


def _copy_rows(copy: psycopg.Copy, spec: SourceSpec, period_start: date, period_end: date,
               rows: Iterable[dict[str, object]], batch_id: uuid.UUID, label: str) -> tuple[int, str]:
    """Check and write every row to ``copy`` in chunks; return the row count and the batch checksum.

    The checksum hashes each row's COPY text (its declared columns in order, tab-separated, batch id left out), so
    the same rows give the same checksum in any batch. A chunk that any column check refuses is checked again row
    by row, which raises the first row's error with its number (or, for unusual valid values, encodes it).
    """
    period = (period_start, period_end)
    encoders = [_encoder(c, period if c.name == spec.period_column else None) for c in spec.columns]
    expected, prefix = frozenset(spec.column_names), f"{batch_id}\t"
    digest, count, source = hashlib.sha256(), 0, iter(rows)
    while chunk := list(islice(source, CHUNK_ROWS)):
        try:
            lines = _chunk_lines(chunk, spec, encoders, expected)
        except (_Refused, AttributeError, TypeError):  # a row that is not a mapping is drift, as it always was
            lines = [_slow_row(row, spec, f"{label}, row {n}", period) for n, row in enumerate(chunk, count + 1)]
        count += len(chunk)
        digest.update(("\n".join(lines) + "\n").encode())
        # escaped text holds no raw newline, so the batch id goes in front of each line with one join
        copy.write(prefix + ("\n" + prefix).join(lines) + "\n")
    return count, CHECKSUM_SCHEME + digest.hexdigest()


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
    units: Sequence[Unit] | None = None,
    accept: str | None = None,
) -> LoadResult:
    """Load ``rows`` as the new current batch for the period; all or nothing.

    ``units`` is the registry of reporting units (when the feed declares a unit column): every row's unit must
    be known for the period, and every unit that reports on the feed must be there. ``accept`` is an operator's
    reason to load a batch that is incomplete anyway; it is recorded on the batch.
    """
    ensure_raw_schema(conn, spec)
    batch_id = uuid.uuid4()
    label = f"batch {batch_id} ({spec.name}.{spec.entity} {period_start}..{period_end})"
    try:
        with conn.transaction():
            result = _load_in_transaction(conn, spec, period_start, period_end, rows, batch_id, label,
                                          source_url, is_synthetic, units, accept)
    except Exception as exc:
        _record_rejected(conn, spec, period_start, period_end, batch_id, source_url, is_synthetic, exc)
        raise
    log.info("loaded %s: %s rows, superseded %s", label, result.row_count, len(result.superseded))
    return result


def _load_in_transaction(conn, spec, period_start, period_end, rows, batch_id, label,
                         source_url, is_synthetic, units, accept) -> LoadResult:
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (_lock_key(spec),))
    overlapping = conn.execute(
        "select batch_id, period_start, period_end from raw.load_batch"
        " where source = %s and entity = %s and status = 'loaded'"
        "   and period_start <= %s and period_end >= %s"
        "   and not (period_start = %s and period_end = %s)",
        (spec.name, spec.entity, period_end, period_start, period_start, period_end),
    ).fetchall() if spec.sync == "periods" else []  # change sets overlap by design: each record is versioned
    if overlapping:
        b, s, e = overlapping[0]
        raise LoadError(f"{label}: overlaps current batch {b} ({s}..{e}); reload with the same period")
    conn.execute(
        "insert into raw.load_batch (batch_id, source, entity, period_start, period_end, status,"
        " source_url, is_synthetic, extracted_at) values (%s, %s, %s, %s, %s, 'loading', %s, %s, now())",
        (batch_id, spec.name, spec.entity, period_start, period_end, source_url, is_synthetic),
    )
    copy_sql = sql.SQL("copy {}.{} (batch_id, {}) from stdin").format(
        sql.Identifier(RAW_SCHEMA), sql.Identifier(spec.raw_table),
        sql.SQL(", ").join(sql.Identifier(c) for c in spec.column_names))
    with conn.cursor() as cur, cur.copy(copy_sql) as copy:
        count, checksum = _copy_rows(copy, spec, period_start, period_end, rows, batch_id, label)
    accepted = check_batch(conn, spec, batch_id, label, period_start, period_end, units, accept)
    if accepted:
        log.warning("%s", accepted)
    superseded = [r[0] for r in conn.execute(
        "update raw.load_batch set status = 'superseded', superseded_by = %s"
        " where source = %s and entity = %s and period_start = %s and period_end = %s and status = 'loaded'"
        " returning batch_id",
        (batch_id, spec.name, spec.entity, period_start, period_end),
    ).fetchall()]
    conn.execute(
        "update raw.load_batch set status = 'loaded', loaded_at = now(), row_count = %s, checksum = %s,"
        " accepted = %s where batch_id = %s",
        (count, checksum, accepted, batch_id),
    )
    return LoadResult(batch_id, spec.name, spec.entity, period_start, period_end, count, checksum, tuple(superseded))


def check_batch(conn: psycopg.Connection, spec: SourceSpec, batch_id: uuid.UUID, label: str, period_start: date,
                period_end: date, units: Sequence[Unit] | None, accept: str | None) -> str | None:
    """Refuse a batch that is not unique or names unknown units; refuse an incomplete one unless accepted.

    Runs inside the load's transaction, after COPY and before anything is superseded. Returns what an operator's
    acceptance let in (to record on the batch), or None.
    """
    table = sql.Identifier(RAW_SCHEMA, spec.raw_table)
    if spec.key:
        _check_unique(conn, spec, table, batch_id, label)
    shortfalls = []
    if units is not None and spec.unit_column:
        shortfalls += _check_units(conn, spec, table, batch_id, label, period_start, period_end, units)
    shortfalls += _check_against_current(conn, spec, table, batch_id, period_start, period_end) if units else []
    if not shortfalls:
        return None
    what = "; ".join(shortfalls)
    if accept:
        return f"accepted by the operator ({accept}) although {what}"
    raise IncompleteBatch(f"{label} is incomplete and supersedes nothing: {what}. If the source is right,"
                          " load it anyway with --accept-incomplete 'reason' (CLI) or the DAG parameter"
                          " accept_incomplete")


def _check_unique(conn, spec: SourceSpec, table: sql.Composable, batch_id: uuid.UUID, label: str) -> None:
    key = sql.SQL(", ").join(sql.Identifier(c) for c in spec.key)
    repeated = conn.execute(sql.SQL(
        "select {key}, count(*) as n, count(*) over () as keys, sum(count(*)) over () as rows from {table}"
        " where batch_id = %s group by {key} having count(*) > 1 order by n desc, {key} limit 3"
    ).format(key=key, table=table), (batch_id,)).fetchall()
    if repeated:
        # each row is the key's values, then its count and the batch's totals
        shown = "; ".join(", ".join(f"{c}={_shown(v, 40)}" for c, v in zip(spec.key, row, strict=False))
                          + f" ({row[-3]} rows)" for row in repeated)
        raise LoadError(f"{label}: {repeated[0][-1]} rows repeat {repeated[0][-2]} keys ({', '.join(spec.key)})"
                        f" that must be unique in a batch: {shown}; the source sent the same row more than once")


def _check_units(conn, spec: SourceSpec, table: sql.Composable, batch_id: uuid.UUID, label: str, period_start: date,
                 period_end: date, units: Sequence[Unit]) -> list[str]:
    """Every unit named must be a reporting unit of the feed in the period; report the ones missing."""
    seen = {r[0] for r in conn.execute(sql.SQL("select distinct {} from {} where batch_id = %s").format(
        sql.Identifier(spec.unit_column), table), (batch_id,))}
    current = [u for u in units if u.valid_during(period_start, period_end)]
    expected = {u.code for u in current if spec.reports is None or spec.reports(u)}
    unknown = sorted(seen - expected)
    if unknown:
        known_elsewhere = {u.code for u in units} - expected
        why = {True: "not a reporting unit of this feed then", False: "unknown"}
        reasons = [f"{_shown(c, 40)} ({why[c in known_elsewhere]})"
                   for c in unknown[:5]]
        raise LoadError(f"{label}, column '{spec.unit_column}': {len(unknown)} units are not in the registry of"
                        f" units reporting on {spec.name}.{spec.entity} for {period_start}..{period_end}"
                        f" (seeds/agencies.csv): {', '.join(reasons)}{' …' if len(unknown) > 5 else ''};"
                        " add the unit to the registry, or correct the source")
    missing = sorted(expected - seen)
    if not missing or spec.sync == "changes":  # a change set holds the units whose records changed
        return []
    return [f"it covers {len(seen)} of the {len(expected)} reporting units; missing {len(missing)}:"
            f" {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}"]


def _check_against_current(conn, spec: SourceSpec, table: sql.Composable, batch_id: uuid.UUID, period_start: date,
                           period_end: date) -> list[str]:
    """Count columns whose total falls sharply below the current batch's for the same period."""
    counts = [c.name for c in spec.columns if c.pg_type in ("integer", "bigint")]
    current = conn.execute(
        "select batch_id from raw.load_batch where source = %s and entity = %s and status = 'loaded'"
        " and period_start = %s and period_end = %s", (spec.name, spec.entity, period_start, period_end)).fetchone()
    if current is None or not counts:
        return []
    sums = sql.SQL(", ").join(sql.SQL("coalesce(sum({}), 0)").format(sql.Identifier(c)) for c in counts)
    totals = {b: conn.execute(sql.SQL("select count(*), {} from {} where batch_id = %s").format(sums, table),
                              (b,)).fetchone() for b in (batch_id, current[0])}
    new, old = totals[batch_id], totals[current[0]]
    falls = [f"{name} {new[i]:,} against {old[i]:,}" for i, name in enumerate(["rows", *counts])
             if old[i] >= DROP_MIN_TOTAL and new[i] < (1 - MAX_DROP) * old[i]]
    if not falls:
        return []
    return [f"its totals fall by more than {MAX_DROP:.0%} below the current batch {current[0]}: {'; '.join(falls)}"]


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
