"""The raw table ``raw.annex_figures``: one row per figure of a dropped annex file, one batch per report date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import psycopg

from extract.filedrop.rows import Figure
from extract.loader import ensure_raw_schema
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
        Column("window", "text"),
        Column("value", "numeric", nullable=True),
        Column("value_raw", "text", nullable=True),
        Column("file_name", "text"),
        Column("sheet", "text"),
        Column("cell", "text"),
    ),
    grain="day",
    period_column="report_date",
)


def ensure_annex_table(conn: psycopg.Connection) -> None:
    """Create ``raw.annex_figures`` (and ``raw.load_batch``) if missing, so dbt builds before any file arrives."""
    ensure_raw_schema(conn, ANNEX_FIGURES)


def annex_spec(annex: str) -> SourceSpec:
    """The feed of one annex template: its own batches (one per report date) in the shared raw table.

    Each annex is its own entity, so a corrected Phụ lục V file supersedes only the Phụ lục V figures of
    that report date, never the VNeID or signature figures filed for the same day.
    """
    entity = "figures_" + re.sub(r"[^a-z0-9]+", "_", annex.lower()).strip("_")
    return replace(ANNEX_FIGURES, entity=entity, table=ANNEX_FIGURES.raw_table)


def figure_rows(figures: list[Figure], report_date: date, file_name: str) -> Iterator[dict[str, object]]:
    """The loader rows of a file's figures."""
    for f in figures:
        yield {"report_date": report_date.isoformat(), "annex": f.annex, "section": f.section, "level": f.level,
               "measure": f.measure, "window": f.window, "value": f.value, "value_raw": f.value_raw,
               "file_name": file_name, "sheet": f.sheet, "cell": f.cell}
