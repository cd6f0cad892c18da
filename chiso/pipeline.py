"""The steps of the nightly job as plain functions; the DAGs and the ``chiso`` CLI both call these."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from chiso.config import settings
from chiso.database import connect, database_url
from chiso.dbt import DbtSummary, dbt_target_dir, run_dbt
from extract import http
from extract.loader import LoadResult, load_batch
from extract.sources import get_source
from publish.csv_export import ExportedFile, export_all

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractSummary:
    source: str
    days: int
    rows: int
    batches: tuple[str, ...]


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"date range is backwards: from {start} to {end}")
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def extract_source(
    source: str,
    start: date,
    end: date,
    *,
    progress: Callable[[date, LoadResult], None] | None = None,
) -> ExtractSummary:
    """Fetch ``source`` day by day from ``start`` to ``end`` and load each day as one raw batch.

    Each day is its own batch, so a rerun or an overlapping backfill supersedes exactly the days it
    touches. A failure stops the run; days already loaded stay loaded, the failing day is unchanged.
    """
    cfg = settings()
    if not cfg.source_url:
        raise RuntimeError("CHISO_SOURCE_URL is not set: no source system (or simulator) to extract from")
    spec = get_source(source)
    session = http.session(cfg.source_token, cfg.http_retries)
    results: list[LoadResult] = []
    with connect() as conn:
        for day in days_between(start, end):
            rows = spec.fetch(session, cfg.source_url, day, day, cfg.http_timeout_s)
            result = load_batch(conn, spec, day, day, rows, source_url=cfg.source_url + spec.path,
                                is_synthetic=is_simulator(cfg.source_url))
            results.append(result)
            if progress:
                progress(day, result)
    return ExtractSummary(source, len(results), sum(r.row_count for r in results),
                          tuple(str(r.batch_id) for r in results))


def is_simulator(url: str) -> bool:
    """Data from a loopback source is the simulator's, and is labelled synthetic in the warehouse."""
    from urllib.parse import urlparse

    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def build_warehouse() -> DbtSummary:
    """``dbt build``: seeds, models and their tests, in dependency order."""
    return run_dbt(["build"])


def check_freshness() -> DbtSummary:
    return run_dbt(["source", "freshness"])


def generate_docs() -> str:
    """``dbt docs generate``; returns the path of the static site's index.html."""
    run_dbt(["docs", "generate"])
    return str(dbt_target_dir() / "index.html")


def publish_exports() -> list[ExportedFile]:
    return export_all(database_url(), settings().export_dir)
