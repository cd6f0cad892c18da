"""The annex inbox: load the files data owners drop (Phụ lục V, VNeID, chữ ký số) with chiso's settings."""

from __future__ import annotations

import logging
from datetime import date

from chiso.config import Settings, settings
from chiso.database import connect
from chiso.roles import LOADER
from extract.filedrop.guard import MB, Limits
from extract.filedrop.inbox import Outcome, pending_files, process_inbox
from extract.filedrop.spec import ensure_annex_table
from extract.filedrop.text import printable

log = logging.getLogger(__name__)


def inbox_limits(cfg: Settings | None = None) -> Limits:
    """The limits from ``CHISO_INBOX_MAX_UNCOMPRESSED_MB``, ``_MAX_CELLS``, ``_MAX_ROWS``, ``_REPORT_DAYS_AHEAD``."""
    cfg = cfg or settings()
    return Limits(int(cfg.inbox_max_uncompressed_mb * MB), cfg.inbox_max_cells, cfg.inbox_max_rows,
                  cfg.inbox_report_days_ahead)


def pending_annex_files() -> list[str]:
    """Names of the annex files waiting in the inbox, escaped for logs (a name may hold a newline or ANSI codes)."""
    return [printable(p.name) for p in pending_files(settings().inbox_dir)]


def load_annex_inbox(report_date: date | None = None) -> list[Outcome]:
    """Load every annex file waiting in ``CHISO_INBOX_DIR`` (``report_date`` for files that carry none); invalid files
    go to quarantine with an error report."""
    cfg = settings()
    with connect(role=LOADER) as conn:
        ensure_annex_table(conn)
        outcomes = process_inbox(cfg.inbox_dir, conn, report_date_override=report_date, limits=inbox_limits(cfg),
                                 settle_s=cfg.inbox_settle_s, lock_wait_s=cfg.inbox_lock_wait_s)
    for outcome in outcomes:
        level = logging.INFO if outcome.status == "loaded" else logging.WARNING
        log.log(level, "annex file %s: %s (%s figures, %s errors)", outcome.file, outcome.status, outcome.rows,
                len(outcome.errors))
    return outcomes
