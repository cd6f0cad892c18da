"""Extraction: fetch each source period by period into raw (one batch per period), and backfills over a range."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from chiso.config import Settings, settings
from chiso.database import connect
from chiso.dbt import DbtSummary
from chiso.publishing import publish_exports
from chiso.roles import LOADER
from chiso.warehouse import build_warehouse
from extract import http
from extract.loader import LoadResult, load_batch
from extract.privacy import protect
from extract.sources import SOURCES, get_source
from extract.sources.units import load_units
from extract.watermark import advance_watermark, get_watermark
from publish import ExportedFile

log = logging.getLogger(__name__)

#: SourceSpec.grain -> the word for one of its batches
GRAIN_ADJECTIVES = {"day": "daily", "month": "monthly", "sync": "sync"}
#: the sources' local day, which sync windows are counted in
SOURCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
#: a sync window of a ``changes`` feed spans at most this many days (the source's limit on one request)
SYNC_WINDOW_DAYS = 366


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


def batch_count(source: str, count: int) -> str:
    """``count`` batches in the source's grain: "9 monthly batches", "1 daily batch"."""
    spec = get_source(source)
    grain = "sync" if spec.sync == "changes" else spec.grain
    if grain not in GRAIN_ADJECTIVES:
        raise ValueError(f"source {source}: unknown grain {grain!r}; expected one of {sorted(GRAIN_ADJECTIVES)}")
    return f"{count} {GRAIN_ADJECTIVES[grain]} batch{'' if count == 1 else 'es'}"


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
    server_times, remember_time = _server_clock()

    results: list[LoadResult] = []
    units = load_units(cfg.seeds_dir / "agencies.csv")
    if spec.sync == "changes":
        return _extract_changes(spec, start, end, session, units, progress, accept_incomplete)
    with connect(role=LOADER) as conn:
        periods = spec.periods(start, end)
        corrected: list[tuple[date, date]] = []
        if corrections:
            corrected = _revised_periods(conn, spec, session, set(periods), remember_time)
        for p_start, p_end in corrected + periods:
            rows = spec.fetch(session, cfg.source_url, p_start, p_end, fetch_limits(cfg), on_meta=remember_time,
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


def _server_clock() -> tuple[list[str], Callable[[dict[str, object]], None]]:
    """The source's clock as its pages report it (``meta.server_time``), and the callback that collects it; the
    earliest becomes the watermark once a run has loaded everything."""
    server_times: list[str] = []

    def remember_time(meta: dict[str, object]) -> None:
        if meta.get("server_time"):
            server_times.append(str(meta["server_time"]))

    return server_times, remember_time


def _extract_changes(spec, start: date, end: date, session, units, progress, accept) -> ExtractSummary:
    """Sync a ``changes`` feed: one batch per window of at most ``SYNC_WINDOW_DAYS``, from the local day of the
    watermark (or ``start``, if earlier) to ``end``; the watermark moves only when every window has loaded."""
    cfg = settings()
    server_times, remember_time = _server_clock()

    key = cfg.pseudonym_key.encode() if cfg.pseudonym_key else None
    if spec.pseudonymised and key is None:
        log.warning("%s: CHISO_PSEUDONYM_KEY is not set; applicant identifiers are dropped, not hashed", spec.name)
    results: list[LoadResult] = []
    with connect(role=LOADER) as conn:
        watermark = get_watermark(conn, spec)
        since = start if watermark is None else min(start, watermark.astimezone(SOURCE_TZ).date())
        for w_start, w_end in _chunks(since, end, days=SYNC_WINDOW_DAYS):
            rows = spec.fetch_changes(session, cfg.source_url, w_start, w_end, fetch_limits(cfg),
                                      on_meta=remember_time, page_size=cfg.http_page_size)
            result = load_batch(conn, spec, w_start, w_end, protect(rows, spec, key),
                                source_url=cfg.source_url + spec.path, is_synthetic=is_simulator(cfg.source_url),
                                units=units, accept=accept)
            results.append(result)
            if progress:
                progress(w_start, result)
        if server_times:
            advance_watermark(conn, spec, datetime.fromisoformat(min(server_times)))
    return ExtractSummary(spec.name, len(results), sum(r.row_count for r in results),
                          tuple(str(r.batch_id) for r in results))


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
        for row in spec.fetch(session, cfg.source_url, chunk_start, chunk_end, fetch_limits(cfg),
                              updated_since=watermark, on_meta=on_meta, page_size=cfg.http_page_size):
            day = date.fromisoformat(str(row[spec.period_column]))
            revised.update(p for p in spec.periods(day, day))
    return sorted(revised - skip)


def fetch_limits(cfg: Settings | None = None) -> http.FetchLimits:
    """The HTTP limits of one batch period (``CHISO_HTTP_*``)."""
    cfg = cfg or settings()
    return http.FetchLimits(cfg.http_timeout_s, cfg.http_max_pages, cfg.http_deadline_s, cfg.http_max_page_bytes)


def _chunks(start: date, end: date, days: int = 360) -> list[tuple[date, date]]:
    out = []
    while start <= end:
        out.append((start, min(end, start + timedelta(days=days - 1))))
        start += timedelta(days=days)
    return out


def is_simulator(url: str) -> bool:
    """Data from a loopback source is the simulator's, and is labelled synthetic in the warehouse."""
    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


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
