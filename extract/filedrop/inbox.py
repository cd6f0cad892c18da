"""Process the annex inbox: load each valid dropped file as its report date's batch, quarantine the others.

One run at a time (a PostgreSQL advisory lock), and each file on its own: whatever goes wrong reading one file
quarantines that file and the next one still loads; only a lost database connection stops the run.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import time
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

from extract.filedrop.guard import (
    FileReadError,
    Limits,
    not_regular_message,
    read_dropped,
    require_safe_xml,
    symlink_message,
)
from extract.filedrop.issues import Issue, Issues
from extract.filedrop.parser import ParsedFile, parse_file
from extract.filedrop.spec import annex_spec, ensure_annex_table, figure_rows
from extract.filedrop.text import printable
from extract.loader import load_batch
from extract.locks import LockBusy, advisory_lock

log = logging.getLogger(__name__)

ACCEPTED = (".xlsx", ".csv")
UNSUPPORTED = (".xls", ".xlsb", ".xlsm", ".ods")  # quarantined with advice rather than left unanswered
PROCESSED = "processed"
QUARANTINE = "quarantine"
LOCK = "chiso:inbox"  # pg_try_advisory_lock(hashtext(LOCK)), held by the connection for the whole run
SETTLE_VARIABLE = "CHISO_INBOX_SETTLE_S"
LOCK_WAIT_VARIABLE = "CHISO_INBOX_LOCK_WAIT_S"
DEFAULT_LOCK_WAIT_S = 60.0
MAX_NAME_BYTES = 255  # a file name on Linux and Windows file systems
RESERVED_NAME_BYTES = len(".20260620T013000Z-99") + len(".errors.json")  # what a quarantined name may get added


class InboxBusy(LockBusy):
    """Another inbox run holds the lock; the message says so and how long this one waited."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one dropped file."""

    file: str  # the name it was dropped with, control characters escaped (text.printable)
    status: str  # loaded | quarantined | waiting (still changing: read by a later run) | skipped (gone meanwhile)
    batch_id: uuid.UUID | None
    rows: int  # figures read from this file
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...] = ()
    template: str | None = None
    report_date: date | None = None
    moved_to: Path | None = None
    errors_not_listed: int = 0
    reason: str = ""  # why a file waits or was skipped


def pending_files(inbox: Path) -> list[Path]:
    """The files waiting in ``inbox``, sorted; Excel lock files (~$…), hidden files and folders are skipped. Links
    and other non-regular files are listed (never followed), so that the run refuses them with a message."""
    if not inbox.is_dir():
        return []
    found = []
    for p in inbox.iterdir():
        if p.suffix.lower() not in ACCEPTED + UNSUPPORTED or p.name.startswith(("~$", ".")):
            continue
        try:
            if not stat.S_ISDIR(p.lstat().st_mode):
                found.append(p)
        except FileNotFoundError:  # moved meanwhile
            continue
    return sorted(found)


def process_inbox(inbox: Path, conn: psycopg.Connection, *, report_date_override: date | None = None,
                  limits: Limits = Limits(), settle_s: float = 0.0, lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
                  today: date | None = None) -> list[Outcome]:
    """Process every waiting file. A second run waits for the first up to ``lock_wait_s``, then raises
    :class:`InboxBusy`; a file that changed within ``settle_s`` waits for a later run; a database failure stops the
    run and leaves the current file in the inbox. The caller passes its configuration (chiso passes
    ``CHISO_INBOX_*``: see chiso.annex); a folder that others still write into needs a ``settle_s`` above 0."""
    require_safe_xml()
    with inbox_lock(conn, lock_wait_s):
        return [process_file(path, conn, report_date_override=report_date_override, limits=limits,
                             settle_s=settle_s, today=today) for path in pending_files(inbox)]


def inbox_lock(conn: psycopg.Connection, wait_s: float) -> AbstractContextManager[None]:
    """Hold the inbox lock on ``conn`` (a session advisory lock), waiting up to ``wait_s`` for another run."""
    return advisory_lock(conn, LOCK, wait_s, what="inbox run", wait_variable=LOCK_WAIT_VARIABLE, busy=InboxBusy)


def process_file(path: Path, conn: psycopg.Connection, *, report_date_override: date | None = None,
                 limits: Limits = Limits(), settle_s: float = 0.0, today: date | None = None) -> Outcome:
    """Load or quarantine one file; leave it (``waiting``) while it is still being written."""
    name, checked_at = printable(path.name), datetime.now(UTC)
    try:
        seen = path.lstat()
    except FileNotFoundError:
        return _gone(name)
    if not stat.S_ISREG(seen.st_mode):  # a link is refused, never followed
        return _refuse(path, symlink_message() if stat.S_ISLNK(seen.st_mode) else not_regular_message(), checked_at)
    if path.suffix.lower() in UNSUPPORTED:
        return _refuse(path, f"{path.suffix} files are not read", checked_at,
                       expected="an .xlsx workbook, or a CSV saved as 'CSV UTF-8'")
    quiet = _unchanged_for(seen, time.time())
    if quiet < settle_s:
        return _waiting(name, f"the file changed {quiet:.1f} s ago; it is read once unchanged for {settle_s:g} s"
                              f" ({SETTLE_VARIABLE}), by a later run (it may still be being copied)")
    try:
        data, opened = read_dropped(path, limits)
    except FileNotFoundError:
        return _gone(name)
    except FileReadError as exc:
        return _refuse(path, str(exc), checked_at)
    except OSError as exc:
        return _refuse(path, f"the file cannot be opened ({exc.strerror})", checked_at)
    parsed = parse_file(path, report_date_override=report_date_override, data=data, limits=limits, today=today)
    try:
        now = path.lstat()
    except FileNotFoundError:
        return _gone(name)
    if not _same(seen, opened) or not _same(seen, now):
        return _waiting(name, "the file changed while it was read; it is read again by a later run")
    if not parsed.ok:
        return _quarantine(path, parsed, checked_at)
    return _load(path, parsed, conn, checked_at)


def _unchanged_for(st: os.stat_result, now: float) -> float:
    """Seconds since the file last changed: its modification time, or its status change (ctime), which every write
    moves even when a copy sets the modification time of the original; a time in the future is not trusted."""
    return now - max([t for t in (st.st_mtime, st.st_ctime) if t <= now] or [now])


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns)


def _load(path: Path, parsed: ParsedFile, conn: psycopg.Connection, checked_at: datetime) -> Outcome:
    name = printable(path.name)
    destination = _free_name(path.parent / PROCESSED, path.name, checked_at)
    ensure_annex_table(conn)
    rows = figure_rows(parsed.figures, parsed.report_date, name)
    try:
        result = load_batch(conn, annex_spec(parsed.template.annex), parsed.report_date, parsed.report_date, rows,
                            source_url=destination.as_uri(), is_synthetic=False)
    except (psycopg.OperationalError, psycopg.InterfaceError):
        raise  # the connection, not the file: stop the run, the file stays for the next one
    except Exception as exc:  # LoadError, a value PostgreSQL refuses: this file only
        if conn.closed or conn.broken:
            raise
        log.exception("annex file %s: the warehouse refused its figures", name)
        parsed.errors.add(None, None, None, f"the warehouse refused the figures: {str(exc)[:500]}")
        return _quarantine(path, parsed, checked_at)
    moved_to = _move(path, destination)
    log.info("annex file %s (%s, report date %s): loaded %s figures as batch %s, superseding %s", name,
             parsed.template.key, parsed.report_date, len(parsed.figures), result.batch_id, len(result.superseded))
    for warning in parsed.warnings.items:
        log.warning("%s", warning)
    return Outcome(name, "loaded", result.batch_id, len(parsed.figures), (), tuple(parsed.warnings.items),
                   parsed.template.key, parsed.report_date, moved_to)


def _refuse(path: Path, message: str, checked_at: datetime, *, expected: str | None = None) -> Outcome:
    parsed = ParsedFile(path, Issues(path.name), Issues(path.name))
    parsed.errors.add(None, None, None, message, expected=expected)
    return _quarantine(path, parsed, checked_at)


def _waiting(name: str, reason: str) -> Outcome:
    log.info("annex file %s left in the inbox: %s", name, reason)
    return Outcome(name, "waiting", None, 0, (), reason=reason)


def _gone(name: str) -> Outcome:
    reason = "the file disappeared before it was read (moved or deleted meanwhile, perhaps by another inbox run)"
    log.warning("annex file %s skipped: %s", name, reason)
    return Outcome(name, "skipped", None, 0, (), reason=reason)


def _quarantine(path: Path, parsed: ParsedFile, checked_at: datetime) -> Outcome:
    name = printable(path.name)
    destination = _move(path, _free_name(path.parent / QUARANTINE, path.name, checked_at))
    if destination is None:
        return _gone(name)
    write_error_report(destination, parsed, checked_at)
    log.error("annex file %s quarantined with %s errors; first: %s", name, len(parsed.errors),
              parsed.errors.items[0] if parsed.errors else "none")
    return Outcome(name, "quarantined", None, 0, tuple(parsed.errors.items), tuple(parsed.warnings.items),
                   parsed.template.key if parsed.template else None, parsed.report_date, destination,
                   parsed.errors.not_listed)


def _move(path: Path, destination: Path) -> Path | None:
    """Move ``path`` (a link itself, not its target); None when it is gone (another run moved it)."""
    try:
        shutil.move(path, destination)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise
        log.warning("annex file %s was gone before it could be moved to %s", printable(path.name),
                    printable(destination.parent))
        return None
    return destination


def _free_name(folder: Path, name: str, when: datetime) -> Path:
    """``folder/name``, or with the time added when that name is taken (an earlier drop of the same file); a name
    too long to take the time and the ``.errors.json`` beside it is shortened."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix
    while stem and len(os.fsencode(stem + suffix)) > MAX_NAME_BYTES - RESERVED_NAME_BYTES:
        stem = stem[:-1]
    candidate, n = folder / f"{stem}{suffix}", 1
    while os.path.lexists(candidate):
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
        f"Tệp / File: {printable(parsed.path.name)}",
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
        "file": printable(parsed.path.name),
        "template": parsed.template.key if parsed.template else None,
        "report_date": parsed.report_date.isoformat() if parsed.report_date else None,
        "checked_at": checked_at.isoformat(),
        "errors": [issue.as_dict() for issue in errors.items],
        "errors_not_listed": errors.not_listed,
        "warnings": [issue.as_dict() for issue in parsed.warnings.items],
    }
    Path(f"{quarantined}.errors.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
