"""The raw table ``raw.annex_figures``: one row per figure of a dropped annex file, one batch per report date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import psycopg
from psycopg import sql

from extract.filedrop.rows import Figure
from extract.loader import RAW_SCHEMA, ensure_raw_schema
from extract.sources.base import Column, SourceSpec

ANNEX_FIGURES = SourceSpec(
    name="annex",
    entity="figures",
    path="",  # files dropped into the inbox, not an API
    description="Số liệu phụ lục do đơn vị tự điền (Phụ lục V, VNeID, chữ ký số) / Hand-filled annex figures",
    columns=(
        Column("report_date", "date"),
        Column("annex", "text"),
        Column("section", "text"),
        Column("level", "text"),
        Column("measure", "text"),
        Column("window", "text"),  # snapshot · month · ytd · quarter · half · year · cumulative (windows.py)
        Column("window_start", "date", nullable=True),  # null: a running total whose first day is not stated
        Column("window_end", "date"),
        Column("window_text", "text", nullable=True),  # the header the window was read from; null: fixed
        Column("title_text", "text", nullable=True),  # the section title, as written
        Column("title_window_start", "date", nullable=True),
        Column("title_window_end", "date", nullable=True),  # null: the title states no window of this kind
        Column("value", "numeric", nullable=True),
        Column("value_raw", "text", nullable=True),
        Column("file_name", "text"),
        Column("sheet", "text"),
        Column("cell", "text"),
    ),
    grain="day",
    period_column="report_date",
)
# titles, headers and file names as people write them can be long; a figure's text is still bounded
ANNEX_FIGURES = replace(ANNEX_FIGURES, columns=tuple(replace(c, max_length=2000) if c.pg_type == "text" else c
                                                     for c in ANNEX_FIGURES.columns))


def ensure_annex_table(conn: psycopg.Connection) -> None:
    """Create ``raw.annex_figures`` (and ``raw.load_batch``) if missing, so dbt builds before any file arrives;
    a table made by an older version gets the columns added since, nullable (its rows predate them)."""
    ensure_raw_schema(conn, ANNEX_FIGURES)
    table = ANNEX_FIGURES.raw_table
    present = {r[0] for r in conn.execute("select column_name from information_schema.columns"
                                          " where table_schema = %s and table_name = %s", (RAW_SCHEMA, table))}
    missing = [c for c in ANNEX_FIGURES.columns if c.name not in present]
    if not missing:
        return
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('chiso:raw-ddl'))")
        conn.execute(sql.SQL("alter table {}.{} {}").format(
            sql.Identifier(RAW_SCHEMA), sql.Identifier(table),
            sql.SQL(", ").join(sql.SQL("add column if not exists {} {}").format(sql.Identifier(c.name),
                                                                               sql.SQL(c.pg_type)) for c in missing)))


def annex_spec(annex: str) -> SourceSpec:
    """The feed of one annex template: its own batches (one per report date) in the shared raw table.

    Each annex is its own entity, so a corrected Phụ lục V file supersedes only the Phụ lục V figures of
    that report date, never the VNeID or signature figures filed for the same day.
    """
    entity = "figures_" + re.sub(r"[^a-z0-9]+", "_", annex.lower()).strip("_")
    return replace(ANNEX_FIGURES, entity=entity, table=ANNEX_FIGURES.raw_table)


def figure_rows(figures: list[Figure], report_date: date, file_name: str) -> Iterator[dict[str, object]]:
    """The loader rows of a file's figures (dated: ``parse_file`` has set their windows)."""
    for f in figures:
        title = f.title_window
        yield {"report_date": report_date.isoformat(), "annex": f.annex, "section": f.section, "level": f.level,
               "measure": f.measure, "window": f.window.type, "window_start": f.window.start,
               "window_end": f.window.end, "window_text": f.window_header.text if f.window_header else None,
               "title_text": f.title.text if f.title else None,
               "title_window_start": title.start if title else None, "title_window_end": title.end if title else None,
               "value": f.value, "value_raw": f.value_raw, "file_name": file_name, "sheet": f.sheet, "cell": f.cell}
