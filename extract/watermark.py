"""Per-feed extraction watermark: the source's clock at the last successful run, for late corrections."""

from __future__ import annotations

from datetime import datetime

import psycopg

from extract.sources.base import SourceSpec

_DDL = """
create table if not exists raw.source_watermark (
    source      text        not null,
    entity      text        not null,
    watermark   timestamptz not null,
    updated_at  timestamptz not null default now(),
    primary key (source, entity)
);
"""


def ensure_watermark_table(conn: psycopg.Connection) -> None:
    conn.execute(_DDL)


def get_watermark(conn: psycopg.Connection, spec: SourceSpec) -> datetime | None:
    conn.execute(_DDL)
    row = conn.execute("select watermark from raw.source_watermark where source = %s and entity = %s",
                       (spec.name, spec.entity)).fetchone()
    return row[0] if row else None


def advance_watermark(conn: psycopg.Connection, spec: SourceSpec, watermark: datetime) -> None:
    """Move the watermark forward (never back, so an old backfill cannot hide newer corrections)."""
    conn.execute(_DDL)
    conn.execute(
        "insert into raw.source_watermark (source, entity, watermark) values (%s, %s, %s)"
        " on conflict (source, entity) do update"
        " set watermark = greatest(raw.source_watermark.watermark, excluded.watermark), updated_at = now()",
        (spec.name, spec.entity, watermark),
    )
