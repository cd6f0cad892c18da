"""The steps of the nightly job as plain functions; the DAGs and the ``chiso`` CLI both call these."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from chiso.config import settings
from chiso.database import admin_url, as_role, connect, database_url, libpq_params
from chiso.dbt import DbtSummary, dbt_target_dir, run_dbt
from extract import http
from chiso.roles import BI_READER, LOADER, TRANSFORMER, ensure_roles
from extract.filedrop.inbox import Outcome, inbox_dir, pending_files, process_inbox
from extract.filedrop.spec import ensure_annex_table
from extract.filedrop.text import printable
from extract.loader import LoadResult, ensure_raw_schema, load_batch
from extract.sources import SOURCES, get_source
from extract.sources.units import load_units
from extract.watermark import advance_watermark, ensure_watermark_table, get_watermark
from publish import ExportedFile, export_all
from publish.exporter import write_quality_page as publish_quality_page
from publish.ckan import Change, push
from publish.quality import QualitySummary, read_findings, summarise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractSummary:
    source: str
    periods: int
    rows: int
    batches: tuple[str, ...]
    corrected_periods: tuple[str, ...] = ()

    @property
    def days(self) -> int:  # kept for callers that think in days
        return self.periods


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"date range is backwards: from {start} to {end}")
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def extract_source(
    source: str,
    start: date,
    end: date,
    *,
    corrections: bool = False,
    progress: Callable[[date, LoadResult], None] | None = None,
    accept_incomplete: str | None = None,
) -> ExtractSummary:
    """Fetch ``source`` period by period (day or month) and load each period as one raw batch.

    Each period is its own batch, so a rerun or an overlapping backfill supersedes exactly the periods
    it touches. With ``corrections``, periods the source revised since the last run's watermark are
    reloaded too (late corrections). A failure stops the run: periods already loaded stay loaded,
    the failing period is unchanged, and the watermark does not move. A period whose batch misses reporting
    units or falls sharply below the current one fails too, unless ``accept_incomplete`` gives the operator's
    reason to load it anyway (recorded on the batch).
    """
    cfg = settings()
    if not cfg.source_url:
        raise RuntimeError("CHISO_SOURCE_URL is not set: no source system (or simulator) to extract from")
    spec = get_source(source)
    session = http.session(cfg.source_token, cfg.http_retries)
    server_times: list[str] = []

    def remember_time(meta: dict[str, object]) -> None:
        if meta.get("server_time"):
            server_times.append(str(meta["server_time"]))

    results: list[LoadResult] = []
    units = load_units(cfg.seeds_dir / "agencies.csv")
    with connect(role=LOADER) as conn:
        periods = spec.periods(start, end)
        corrected: list[tuple[date, date]] = []
        if corrections:
            corrected = _revised_periods(conn, spec, session, set(periods), remember_time)
        for p_start, p_end in corrected + periods:
            rows = spec.fetch(session, cfg.source_url, p_start, p_end, fetch_limits(), on_meta=remember_time,
                              page_size=cfg.http_page_size)
            result = load_batch(conn, spec, p_start, p_end, rows, source_url=cfg.source_url + spec.path,
                                is_synthetic=is_simulator(cfg.source_url), units=units, accept=accept_incomplete)
            results.append(result)
            if progress:
                progress(p_start, result)
        if server_times:
            advance_watermark(conn, spec, datetime.fromisoformat(min(server_times)))
    return ExtractSummary(source, len(results), sum(r.row_count for r in results),
                          tuple(str(r.batch_id) for r in results),
                          tuple(f"{s}..{e}" for s, e in corrected))


def _revised_periods(conn, spec, session, skip: set[tuple[date, date]], on_meta) -> list[tuple[date, date]]:
    """Loaded periods the source has revised since the watermark (those in ``skip`` are reloaded anyway)."""
    cfg = settings()
    watermark = get_watermark(conn, spec)
    if watermark is None:
        return []
    loaded = conn.execute(
        "select min(period_start), max(period_end) from raw.load_batch"
        " where source = %s and entity = %s and status = 'loaded'", (spec.name, spec.entity)).fetchone()
    if loaded[0] is None:
        return []
    revised: set[tuple[date, date]] = set()
    for chunk_start, chunk_end in _chunks(loaded[0], loaded[1]):
        for row in spec.fetch(session, cfg.source_url, chunk_start, chunk_end, fetch_limits(),
                              updated_since=watermark, on_meta=on_meta, page_size=cfg.http_page_size):
            day = date.fromisoformat(str(row[spec.period_column]))
            revised.update(p for p in spec.periods(day, day))
    return sorted(revised - skip)


def fetch_limits() -> http.FetchLimits:
    """The HTTP limits of one batch period (``CHISO_HTTP_*``)."""
    cfg = settings()
    return http.FetchLimits(cfg.http_timeout_s, cfg.http_max_pages, cfg.http_deadline_s, cfg.http_max_page_bytes)


def _chunks(start: date, end: date, days: int = 360) -> list[tuple[date, date]]:
    out = []
    while start <= end:
        out.append((start, min(end, start + timedelta(days=days - 1))))
        start += timedelta(days=days)
    return out


@dataclass(frozen=True)
class BackfillSummary:
    extracts: tuple[ExtractSummary, ...]
    build: DbtSummary
    exports: tuple[ExportedFile, ...]


def backfill(
    start: date,
    end: date,
    sources: list[str] | None = None,
    *,
    progress: Callable[[str, date, LoadResult], None] | None = None,
    accept_incomplete: str | None = None,
) -> BackfillSummary:
    """Reload every source over ``start``..``end`` (one batch per period), then rebuild and republish once.

    Idempotent: each period's batch supersedes the earlier one, so running it twice changes no total.
    """
    names = sources or sorted(SOURCES)
    for name in names:
        get_source(name)  # fail on an unknown source before loading anything
    extracts = tuple(
        extract_source(name, start, end, progress=(lambda day, r, n=name: progress(n, day, r)) if progress else None,
                       accept_incomplete=accept_incomplete)
        for name in names
    )
    build = build_warehouse()
    return BackfillSummary(extracts, build, tuple(publish_exports()))


def is_simulator(url: str) -> bool:
    """Data from a loopback source is the simulator's, and is labelled synthetic in the warehouse."""
    from urllib.parse import urlparse

    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def init_warehouse(runtime_user: str | None = None, admin: str | None = None) -> str:
    """``chiso init``, by an administrator (``CHISO_ADMIN_DATABASE_URL``): roles, schemas and grants, then the raw
    tables of every source (empty until first loaded) created by the loader role, which owns them. Idempotent.

    ``runtime_user`` (default: the login of ``CHISO_DATABASE_URL``) may then take the chiso roles; returns it.
    """
    user = runtime_user or libpq_params(database_url())["user"]
    admin = admin or admin_url()
    with connect(admin) as conn:
        ensure_roles(conn, user)
    with connect(admin, role=LOADER) as conn:
        for spec in SOURCES.values():
            ensure_raw_schema(conn, spec)
        ensure_annex_table(conn)
        ensure_watermark_table(conn)
    return user


def build_warehouse(select: str | None = None) -> DbtSummary:
    """``dbt build`` (seeds, models and their tests in dependency order), optionally of a selection.

    A seed whose CSV gained or lost columns since it was loaded cannot be reloaded in place (dbt truncates and
    inserts): it is reloaded with ``--full-refresh`` first, which drops the views over it, so the whole project
    is then built whatever the selection.
    """
    changed = seeds_with_new_columns()
    if changed:
        log.warning("seeds %s changed columns: reloading them and rebuilding every model", ", ".join(changed))
        run_dbt(["seed", "--full-refresh", "--select", *changed])
        select = None
    return run_dbt(["build", *(["--select", select] if select else [])])


def seeds_with_new_columns() -> list[str]:
    """The seeds already loaded whose table columns differ from their CSV header."""
    import csv

    with connect(role=TRANSFORMER) as conn:
        loaded: dict[str, list[str]] = {}
        for table, column in conn.execute("select table_name, column_name from information_schema.columns"
                                          " where table_schema = 'seeds' order by table_name, ordinal_position"):
            loaded.setdefault(table, []).append(column)
    changed = []
    for path in sorted(settings().seeds_dir.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
        if path.stem in loaded and [c.lower() for c in header] != loaded[path.stem]:
            changed.append(path.stem)
    return changed


def pending_annex_files() -> list[str]:
    """Names of the annex files waiting in the inbox, escaped for logs (a name may hold a newline or ANSI codes)."""
    return [printable(p.name) for p in pending_files(inbox_dir())]


def load_annex_inbox() -> list[Outcome]:
    """Load every annex file waiting in the inbox; invalid files go to quarantine with an error report."""
    with connect(role=LOADER) as conn:
        ensure_annex_table(conn)
        outcomes = process_inbox(inbox_dir(), conn)
    for outcome in outcomes:
        level = logging.INFO if outcome.status == "loaded" else logging.WARNING
        log.log(level, "annex file %s: %s (%s figures, %s errors)", outcome.file, outcome.status, outcome.rows,
                len(outcome.errors))
    return outcomes


class QualityError(RuntimeError):
    """The build found new errors in figures that can be corrected (annex files, feeds); the message lists them."""


def quality_summary() -> QualitySummary:
    """Findings of the last build (marts.mart_quality_findings): open, new, and the new errors to correct."""
    with connect(role=BI_READER) as conn:
        return summarise(read_findings(conn))


def write_quality_page() -> Path:
    """The data-quality page (quality.html) in the export folder, from the last build's findings."""
    return publish_quality_page(as_role(database_url(), BI_READER), settings().export_dir)


def check_quality() -> QualitySummary:
    """The nightly quality gate: raise :class:`QualityError` when the last build found a new error to correct."""
    summary = quality_summary()
    log.info("%s", summary.line())
    if summary.new_blocking:
        listed = "; ".join(f"{f.file_name or f.origin} {f.sheet or ''} {f.cell or ''}: {f.rule_name_vi}: "
                           f"{f.description_vi}" for f in summary.new_blocking[:20])
        raise QualityError(f"{summary.line()}. New errors: {listed}"
                           + (f" … and {len(summary.new_blocking) - 20} more" if len(summary.new_blocking) > 20 else "")
                           + ". See quality.html in the exports or marts.mart_quality_findings.")
    return summary


def check_freshness() -> DbtSummary:
    return run_dbt(["source", "freshness"])


def generate_docs() -> str:
    """``dbt docs generate``; returns the path of the static site's index.html."""
    run_dbt(["docs", "generate"])
    return str(dbt_target_dir() / "index.html")


def publish_exports() -> list[ExportedFile]:
    """Write the open-data exports (only datasets whose content or metadata changed are rewritten)."""
    cfg = settings()
    return export_all(as_role(database_url(), BI_READER), cfg.export_dir,
                      dbt_manifest=dbt_target_dir() / "manifest.json", min_cell=cfg.publish_min_cell)


def push_to_portal(dry_run: bool = False, url: str | None = None, api_key: str | None = None) -> list[Change]:
    """Create or patch the portal's organization, datasets and resources from the export folder."""
    cfg = settings()
    url, api_key = url or cfg.ckan_url, api_key or cfg.ckan_api_key
    if not (url and api_key):
        raise RuntimeError("CHISO_CKAN_URL and CHISO_CKAN_API_KEY must be set to push to the portal")
    return push(cfg.export_dir, url, api_key, cfg.ckan_organization, dry_run=dry_run)
