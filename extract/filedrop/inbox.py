"""Process the annex inbox: load each valid dropped file as its report date's batch, quarantine the others."""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import psycopg

from chiso.config import settings
from extract.filedrop.issues import Issue, Issues
from extract.filedrop.parser import ParsedFile, parse_file
from extract.filedrop.spec import annex_spec, ensure_annex_table, figure_rows
from extract.loader import LoadError, load_batch

log = logging.getLogger(__name__)

ACCEPTED = (".xlsx", ".csv")
UNSUPPORTED = (".xls", ".xlsb", ".xlsm", ".ods")  # quarantined with advice rather than left unanswered
PROCESSED = "processed"
QUARANTINE = "quarantine"


def inbox_dir() -> Path:
    """``CHISO_INBOX_DIR``, else ``<state dir>/inbox`` (see chiso.config)."""
    return settings().inbox_dir


@dataclass(frozen=True)
class Outcome:
    """What happened to one dropped file."""

    file: str  # the name it was dropped with
    status: str  # loaded | quarantined
    batch_id: uuid.UUID | None
    rows: int  # figures read from this file
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...] = ()
    template: str | None = None
    report_date: date | None = None
    moved_to: Path | None = None
    errors_not_listed: int = 0


def pending_files(inbox: Path) -> list[Path]:
    """The files waiting in ``inbox``, sorted; Excel lock files (~$…) and hidden files are skipped."""
    if not inbox.is_dir():
        return []
    return sorted(p for p in inbox.iterdir()
                  if p.is_file() and p.suffix.lower() in ACCEPTED + UNSUPPORTED
                  and not p.name.startswith(("~$", ".")))


def process_inbox(inbox: Path, conn: psycopg.Connection, *, report_date_override: date | None = None) -> list[Outcome]:
    """Process every waiting file; a database failure stops the run and leaves the current file in the inbox."""
    return [process_file(path, conn, report_date_override=report_date_override) for path in pending_files(inbox)]


def process_file(path: Path, conn: psycopg.Connection, *, report_date_override: date | None = None) -> Outcome:
    checked_at = datetime.now(timezone.utc)
    if path.suffix.lower() in UNSUPPORTED:
        parsed = ParsedFile(path, Issues(path.name), Issues(path.name))
        parsed.errors.add(None, None, None, f"{path.suffix} files are not read",
                          expected="an .xlsx workbook, or a CSV saved as 'CSV UTF-8'")
        return _quarantine(path, parsed, checked_at)
    parsed = parse_file(path, report_date_override=report_date_override)
    if not parsed.ok:
        return _quarantine(path, parsed, checked_at)
    destination = _free_name(path.parent / PROCESSED, path.name, checked_at)
    ensure_annex_table(conn)
    rows = figure_rows(parsed.figures, parsed.report_date, path.name)
    try:
        result = load_batch(conn, annex_spec(parsed.template.annex), parsed.report_date, parsed.report_date, rows,
                            source_url=destination.as_uri(), is_synthetic=False)
    except LoadError as exc:
        parsed.errors.add(None, None, None, f"the warehouse refused the figures: {exc}")
        return _quarantine(path, parsed, checked_at)
    shutil.move(path, destination)
    log.info("annex file %s (%s, report date %s): loaded %s figures as batch %s, superseding %s", path.name,
             parsed.template.key, parsed.report_date, len(parsed.figures), result.batch_id, len(result.superseded))
    for warning in parsed.warnings.items:
        log.warning("%s", warning)
    return Outcome(path.name, "loaded", result.batch_id, len(parsed.figures), (), tuple(parsed.warnings.items),
                   parsed.template.key, parsed.report_date, destination)


def _quarantine(path: Path, parsed: ParsedFile, checked_at: datetime) -> Outcome:
    destination = _free_name(path.parent / QUARANTINE, path.name, checked_at)
    shutil.move(path, destination)
    write_error_report(destination, parsed, checked_at)
    log.error("annex file %s quarantined with %s errors; first: %s", path.name, len(parsed.errors),
              parsed.errors.items[0] if parsed.errors else "none")
    return Outcome(path.name, "quarantined", None, 0, tuple(parsed.errors.items), tuple(parsed.warnings.items),
                   parsed.template.key if parsed.template else None, parsed.report_date, destination,
                   parsed.errors.not_listed)


def _free_name(folder: Path, name: str, when: datetime) -> Path:
    """``folder/name``, or with the time added when that name is taken (an earlier drop of the same file)."""
    folder.mkdir(parents=True, exist_ok=True)
    candidate, n = folder / name, 1
    stem, suffix = Path(name).stem, Path(name).suffix
    while candidate.exists():
        tail = f"-{n}" if n > 1 else ""
        candidate = folder / f"{stem}.{when:%Y%m%dT%H%M%SZ}{tail}{suffix}"
        n += 1
    return candidate


def write_error_report(quarantined: Path, parsed: ParsedFile, checked_at: datetime) -> None:
    """``<file>.errors.txt`` for people and ``<file>.errors.json`` for tools, beside the quarantined file."""
    errors = parsed.errors
    lines = [
        "LỖI TỆP SỐ LIỆU: tệp đã được chuyển vào thư mục cách ly, chưa nạp số liệu nào",
        "FILE ERRORS: the file was quarantined; none of its figures were loaded",
        "",
        f"Tệp / File: {parsed.path.name}",
        f"Mẫu / Template: {parsed.template.name if parsed.template else 'không nhận ra / not recognised'}",
        f"Ngày báo cáo / Report date: {parsed.report_date or 'không xác định / unknown'}",
        f"Kiểm tra lúc / Checked at: {checked_at:%Y-%m-%d %H:%M:%S} UTC",
        f"Số lỗi / Errors: {len(errors)}",
        "",
        *(f"{n}. {issue}" for n, issue in enumerate(errors.items, start=1)),
        *([f"… và {errors.not_listed} lỗi khác / and {errors.not_listed} more"] if errors.not_listed else []),
        "",
        "Sửa tệp rồi thả lại vào thư mục inbox. / Fix the file and drop it into the inbox again.",
    ]
    Path(f"{quarantined}.errors.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = {
        "file": parsed.path.name,
        "template": parsed.template.key if parsed.template else None,
        "report_date": parsed.report_date.isoformat() if parsed.report_date else None,
        "checked_at": checked_at.isoformat(),
        "errors": [issue.as_dict() for issue in errors.items],
        "errors_not_listed": errors.not_listed,
        "warnings": [issue.as_dict() for issue in parsed.warnings.items],
    }
    Path(f"{quarantined}.errors.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
