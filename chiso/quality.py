"""The quality gate: the last build's findings summarised, written as quality.html, and checked for new errors."""

from __future__ import annotations

import logging
from pathlib import Path

from chiso.config import settings
from chiso.database import as_role, connect, database_url
from chiso.roles import BI_READER
from publish.exporter import write_quality_page as publish_quality_page
from publish.quality import QualitySummary, read_findings, summarise

log = logging.getLogger(__name__)


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
