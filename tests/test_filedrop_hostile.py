"""Hostile files in the annex inbox: each poison file, dropped between two valid ones, is quarantined (or left
waiting) alone with a message that names the problem; the valid files around it load and nothing of it reaches raw."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import struct
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import psycopg
import pytest
from defusedxml import DefusedXmlException

import chiso.database
import extract.filedrop.inbox as inbox_module
import filedrop_samples as samples
from chiso.annex import inbox_limits
from chiso.cli import main
from chiso.config import PROJECT_ROOT, settings
from extract.filedrop.inbox import InboxBusy, process_inbox
from extract.filedrop.spec import ensure_annex_table

MB = 2**20
BEFORE = "a_chu_ky_so_2026-04-30.xlsx"  # valid files, sorted before and after every poison file (m_…)
AFTER = "z_vneid_2026-04-30.csv"
SHEET_XML = "xl/worksheets/sheet1.xml"
MAX_MB, MAX_CELLS, MAX_ROWS = 8, 20_000, 500  # the limits this module sets through the environment
BOMB_MB = 300  # the zip bomb's sheet: 300 MB of spaces, deflated to well under 1 MB

# Figures as the valid files are built (filedrop_samples: 002:710 and 002:909/877), read the Vietnamese way.
SIGNATURES_PROVINCE = {"ds_cert_count": 5492, "ds_cert_org_count": 710, "ds_cert_personal_count": 4782,
                       "ds_token_count": 4609, "ds_sim_pki_count": 462, "ds_remote_signing_account_count": 421,
                       "ds_staff_equipped_rate": 100}  # "5.492", "710", "4.782", "4.609", "462", "421", "100%"
VNEID = {"id_card_application_count": 3999830, "eid_application_count": 2891016, "eid_activated_count": 2228763,
         "org_eid_eligible_count": None, "org_eid_registered_count": None,
         "vneid_stay_notification_facility_count": 385}  # "3.999.830", 2891016, "2.228.763", "-", "-", 385


@dataclass
class Poison:
    """A hostile file as dropped, and what the run must say about it."""

    name: str
    status: str  # quarantined | waiting | skipped
    says: tuple[str, ...]  # fragments of the message the owner gets
    where: tuple[str | None, int | None, str | None] | None = None  # sheet, row, column of the error
    settle_s: float = 0.0
    secret: str | None = None  # a text that must appear nowhere (not in raw, a report, the log)
    shown: str | None = None  # the name as printed and stored (control characters escaped); default: the name

    @property
    def shown_name(self) -> str:
        return self.shown or self.name


@dataclass
class Drop:
    """Where a poison builder works."""

    inbox: Path
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch
    bombs: dict[str, bytes]


@pytest.fixture(autouse=True)
def annex_table(conn) -> None:
    ensure_annex_table(conn)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def limits_env(monkeypatch: pytest.MonkeyPatch):
    """Limits set as an operator would, through the environment chiso.config reads."""
    for variable, value in (("CHISO_INBOX_MAX_UNCOMPRESSED_MB", MAX_MB), ("CHISO_INBOX_MAX_CELLS", MAX_CELLS),
                            ("CHISO_INBOX_MAX_ROWS", MAX_ROWS), ("CHISO_INBOX_SETTLE_S", 0)):
        monkeypatch.setenv(variable, str(value))
    settings.cache_clear()
    yield
    monkeypatch.undo()
    settings.cache_clear()


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The published Phụ lục V whose sheet XML carries 300 MB of spaces: sizes declared honestly, or the sheet
    declaring 2,000 bytes (a lie zipfile would not notice: it stops reading at the declared size)."""
    published = _xlsx(tmp_path_factory.mktemp("bomb"), samples.phu_luc_v())
    source = zipfile.ZipFile(io.BytesIO(published))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != SHEET_XML:
                bomb.writestr(info, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with bomb.open(SHEET_XML, "w") as sheet:
                sheet.write(head + b"<sheetData>")
                for _ in range(BOMB_MB):
                    sheet.write(b" " * MB)
                sheet.write(tail)
    honest = out.getvalue()
    assert len(honest) < MB  # a small file …
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(honest)).infolist()) > BOMB_MB * MB  # … unpacking big
    return {"honest": honest, "lying": _declare_size(honest, SHEET_XML, 2000)}


# ---------- building hostile workbooks

def _xlsx(folder: Path, layout: samples.Layout) -> bytes:
    path = samples.write_xlsx(folder / f"{uuid.uuid4().hex}.xlsx", layout)
    data = path.read_bytes()
    path.unlink()
    return data


def _rewrite(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one part's bytes changed, the others as they were."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info)
            target.writestr(info, change(part) if info.filename == member else part)
    return out.getvalue()


def _cell(xml: bytes, ref: str, new: bytes) -> bytes:
    """Replace cell ``ref`` of a sheet's XML, e.g. D8 (V.1 Cấp xã, 377 in the published annex)."""
    changed, n = re.subn(rb'<c r="%s"[^>]*>.*?</c>' % ref.encode(), new, xml, count=1)
    assert n == 1, ref
    return changed


def _with_doctype(xml: bytes, doctype: bytes) -> bytes:
    return xml.replace(b"<worksheet", doctype + b"<worksheet", 1)


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """Patch the central directory so ``member`` declares ``size`` bytes unpacked."""
    patched = bytearray(data)
    at = patched.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack("<H", patched[at + 28:at + 30])[0]
        if bytes(patched[at + 46:at + 46 + name_length]) == member.encode():
            patched[at + 24:at + 28] = struct.pack("<I", size)
            return bytes(patched)
        at = patched.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


def _published(drop: Drop) -> bytes:
    return _xlsx(drop.tmp_path, samples.phu_luc_v())


def _drop(drop: Drop, name: str, data: bytes) -> None:
    (drop.inbox / name).write_bytes(data)


BILLION_LAUGHS = (b'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
                  + b"]>")  # &lol9; is 10^9 times "lol": 3 GB


# ---------- the poison files

def entity_bomb(drop: Drop) -> Poison:
    name = "m_entity_bomb_phu_luc_v.xlsx"
    _drop(drop, name, _rewrite(_published(drop), SHEET_XML, lambda xml: _cell(
        _with_doctype(xml, BILLION_LAUGHS), "D8", b'<c r="D8" t="inlineStr"><is><t>&lol9;</t></is></c>')))
    return Poison(name, "quarantined", (f"part {SHEET_XML} declares a document type or entities",))


def xxe(drop: Drop) -> Poison:
    secret = f"TOP-SECRET-{uuid.uuid4().hex}"
    secret_file = drop.tmp_path / "secret.txt"
    secret_file.write_text(secret, encoding="utf-8")
    doctype = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "%s">]>' % secret_file.as_uri().encode()
    name = "m_xxe_phu_luc_v.xlsx"
    _drop(drop, name, _rewrite(_published(drop), SHEET_XML, lambda xml: _cell(
        _with_doctype(xml, doctype), "B19", b'<c r="B19" t="inlineStr"><is><t>&xxe;</t></is></c>')))
    return Poison(name, "quarantined", ("declares a document type or entities",), secret=secret)


def malformed_xml(drop: Drop) -> Poison:
    name = "m_malformed_phu_luc_v.xlsx"
    _drop(drop, name, _rewrite(_published(drop), SHEET_XML, lambda xml: xml[:len(xml) // 2]))
    return Poison(name, "quarantined", (f"part {SHEET_XML} is not well-formed XML",))


def nan_cell(drop: Drop) -> Poison:
    name = "m_nan_phu_luc_v.xlsx"
    _drop(drop, name, _rewrite(_published(drop), SHEET_XML, lambda xml: _cell(
        xml, "D8", b'<c r="D8" t="n"><v>NaN</v></c>')))
    return Poison(name, "quarantined", ("cell D8 holds 'NaN' as a number",), ("Phụ lục V", 8, "D"))


def digits_5000_xlsx(drop: Drop) -> Poison:
    name = "m_digits_phu_luc_v.xlsx"
    _drop(drop, name, _rewrite(_published(drop), SHEET_XML, lambda xml: _cell(
        xml, "D8", b'<c r="D8" t="n"><v>' + b"7" * 5000 + b"</v></c>")))
    return Poison(name, "quarantined", ("cell D8 holds a number 5,000 characters long",), ("Phụ lục V", 8, "D"))


def digits_5000_csv(drop: Drop) -> Poison:
    layout = samples.phu_luc_v()
    layout.set("D8", "7" * 5000)
    name = "m_digits_phu_luc_v_2026-06-19.csv"
    samples.write_csv(drop.inbox / name, layout)
    return Poison(name, "quarantined", ("not a valid count: a number of 5,000 digits",),
                  (Path(name).stem, 8, "D"))


def count_1e20(drop: Drop) -> Poison:
    layout = samples.phu_luc_v()
    layout.set("D8", 10**20)
    name = "m_count_phu_luc_v.xlsx"
    samples.write_xlsx(drop.inbox / name, layout)
    return Poison(name, "quarantined", ("an implausible count (100.000.000.000.000.000.000)",),
                  ("Phụ lục V", 8, "D"))


def zip_bomb(drop: Drop) -> Poison:
    name = "m_zip_bomb_phu_luc_v.xlsx"
    _drop(drop, name, drop.bombs["honest"])
    return Poison(name, "quarantined", (f"the workbook unpacks to {BOMB_MB:.1f} MB",
                                        f"more than the {MAX_MB} MB allowed (CHISO_INBOX_MAX_UNCOMPRESSED_MB)"))


def zip_bomb_lying_size(drop: Drop) -> Poison:
    name = "m_zip_bomb_lying_phu_luc_v.xlsx"
    _drop(drop, name, drop.bombs["lying"])
    return Poison(name, "quarantined", (f"part {SHEET_XML} declares 2,000 bytes but unpacks to more",))


def huge_used_range(drop: Drop) -> Poison:
    """A merge over A1:ZZ400: openpyxl would create a cell object for each of its 280,800 cells."""
    name = "m_merge_phu_luc_v.xlsx"
    _drop(drop, name, _rewrite(_published(drop), SHEET_XML, lambda xml: xml.replace(
        b'<mergeCell ref="A1:G1"', b'<mergeCell ref="A1:ZZ400"', 1)))
    return Poison(name, "quarantined", (f"the sheet spans A1:ZZ400, {400 * 702:,} cells",
                                        f"more than the {MAX_CELLS:,} allowed (CHISO_INBOX_MAX_CELLS)"),
                  ("Phụ lục V", None, None))


def csv_too_many_rows(drop: Drop) -> Poison:
    name = "m_rows_vneid_2026-04-30.csv"
    path = samples.write_csv(drop.inbox / name, samples.vneid())
    with path.open("a", encoding="utf-8") as f:
        f.write("x\n" * MAX_ROWS)
    return Poison(name, "quarantined", (f"more than the {MAX_ROWS:,} allowed (CHISO_INBOX_MAX_ROWS)",),
                  (Path(name).stem, MAX_ROWS + 1, None))


def shared_string_out_of_range(drop: Drop) -> Poison:
    """A cell pointing at the 100th shared string of a workbook that has none: openpyxl raises IndexError."""
    name = "m_index_phu_luc_v.xlsx"
    _drop(drop, name, _rewrite(_published(drop), SHEET_XML, lambda xml: _cell(
        xml, "D8", b'<c r="D8" t="s"><v>99</v></c>')))
    return Poison(name, "quarantined", ("the file could not be read (IndexError",))


def report_date_1900(drop: Drop) -> Poison:
    name = "m_date_phu_luc_v.xlsx"
    samples.write_xlsx(drop.inbox / name, samples.phu_luc_v(
        caption="(Ban hành kèm theo Báo cáo số -BC/BCĐ, ngày 1 tháng 1 năm 1900 của Ban Chỉ đạo tỉnh"))
    return Poison(name, "quarantined", ("the report date 01/01/1900", "is before 01/07/2025"),
                  ("Phụ lục V", 2, "A"))


def report_date_2099(drop: Drop) -> Poison:
    layout = samples.vneid()
    layout.set("B2", date(2099, 12, 31))
    name = "m_date_vneid.xlsx"
    samples.write_xlsx(drop.inbox / name, layout)
    return Poison(name, "quarantined", ("the report date 31/12/2099",
                                        f"more than 7 days after today ({date.today():%d/%m/%Y})"), ("VNeID", 2, "B"))


def csv_being_written(drop: Drop) -> Poison:
    """The VNeID CSV cut while it is written, right after '38' of '385' (the valid files are older than 1 s)."""
    time.sleep(1.1)
    full = _csv_text(drop.tmp_path, samples.vneid())
    name = "m_vneid_2026-04-30.csv"
    (drop.inbox / name).write_text(full[:full.index(",385") + 3], encoding="utf-8")
    return Poison(name, "waiting", ("is read once unchanged for 1 s (CHISO_INBOX_SETTLE_S)",), settle_s=1.0)


def symlink_out_of_the_inbox(drop: Drop) -> Poison:
    """A link to a valid annex outside the inbox: following it would load figures from anywhere on the server."""
    outside = drop.tmp_path / "outside"
    outside.mkdir()
    target = samples.write_xlsx(outside / "phu_luc_v_2026-06-19.xlsx", samples.phu_luc_v())
    name = "m_link_phu_luc_v_2026-06-19.xlsx"
    (drop.inbox / name).symlink_to(target)
    return Poison(name, "quarantined", ("a symbolic link is not read",))


def fifo(drop: Drop) -> Poison:
    """A named pipe: opening it to read would wait forever."""
    name = "m_pipe_vneid_2026-04-30.csv"
    os.mkfifo(drop.inbox / name)
    return Poison(name, "quarantined", ("not a regular file",))


def name_with_escapes(drop: Drop) -> Poison:
    layout = samples.negative_count()  # V.1 Cấp xã (D8) typed as -377
    name = "m_\x1b[2J\x1b[31mđỏ\nphu_luc_v\u202e.xlsx"
    samples.write_xlsx(drop.inbox / name, layout)
    return Poison(name, "quarantined", ("a negative count (-377)",), ("Phụ lục V", 8, "D"),
                  shown="m_\\x1b[2J\\x1b[31mđỏ\\nphu_luc_v\\u202e.xlsx")


def name_too_long(drop: Drop) -> Poison:
    """247 bytes: a valid name, but with '.errors.json' added the report's name would pass the 255-byte limit."""
    name = "m_" + "đ" * 115 + "_phu_luc_v.xlsx"
    assert len(name.encode()) == 247
    samples.write_xlsx(drop.inbox / name, samples.negative_count())
    return Poison(name, "quarantined", ("a negative count (-377)",), ("Phụ lục V", 8, "D"))


def vanished(drop: Drop) -> Poison:
    """Listed, then moved away before it is read (as another run would)."""
    name = "m_gone_phu_luc_v_2026-06-19.xlsx"
    samples.write_xlsx(drop.inbox / name, samples.phu_luc_v())
    listed = inbox_module.pending_files

    def listed_then_moved(folder: Path) -> list[Path]:
        files = listed(folder)
        (folder / name).rename(drop.tmp_path / name)
        return files

    drop.monkeypatch.setattr(inbox_module, "pending_files", listed_then_moved)
    return Poison(name, "skipped", ("disappeared before it was read",))


POISONS: dict[str, Callable[[Drop], Poison]] = {f.__name__: f for f in (
    entity_bomb, xxe, malformed_xml, nan_cell, digits_5000_xlsx, digits_5000_csv, count_1e20, zip_bomb,
    zip_bomb_lying_size, huge_used_range, csv_too_many_rows, shared_string_out_of_range, report_date_1900,
    report_date_2099, csv_being_written, symlink_out_of_the_inbox, fifo, name_with_escapes, name_too_long, vanished)}


# ---------- helpers

def _csv_text(folder: Path, layout: samples.Layout) -> str:
    path = samples.write_csv(folder / f"{uuid.uuid4().hex}.csv", layout)
    text = path.read_text(encoding="utf-8")
    path.unlink()
    return text


def _write_valid(inbox: Path) -> None:
    samples.write_xlsx(inbox / BEFORE, samples.chu_ky_so())
    samples.write_csv(inbox / AFTER, samples.vneid())


def _figures(conn, outcome) -> dict[tuple[str, str], int | Decimal | None]:
    rows = conn.execute("select level, measure, value from raw.annex_figures where batch_id = %s and file_name = %s",
                        (outcome.batch_id, outcome.file)).fetchall()
    return {(level, m): (int(v) if v is not None and v == v.to_integral_value() else v) for level, m, v in rows}


def _assert_valid_files_loaded(conn, inbox: Path, by_file: dict) -> None:
    before, after = by_file[BEFORE], by_file[AFTER]
    assert (before.status, after.status) == ("loaded", "loaded"), [str(e) for e in before.errors + after.errors]
    signatures = _figures(conn, before)
    assert len(signatures) == 21
    assert {m: v for (level, m), v in signatures.items() if level == "province"} == SIGNATURES_PROVINCE
    assert signatures[("total", "ds_cert_count")] == 5492 + 9041  # the "Tổng cộng" row as filled
    assert _figures(conn, after) == {("total", m): v for m, v in VNEID.items()}
    assert {p.name for p in (inbox / "processed").iterdir()} == {BEFORE, AFTER}


def _rows_from(conn, file_name: str) -> int:
    return conn.execute("select count(*) from raw.annex_figures where file_name = %s", (file_name,)).fetchone()[0]


# ---------- every poison, alone between two valid files

@pytest.mark.parametrize("case", list(POISONS))
def test_a_poison_file_between_two_valid_ones_is_refused_alone_and_says_why(
        conn, inbox, tmp_path, monkeypatch, limits_env, bombs, caplog, case):
    _write_valid(inbox)
    poison = POISONS[case](Drop(inbox, tmp_path, monkeypatch, bombs))

    with caplog.at_level(logging.INFO):
        outcomes = process_inbox(inbox, conn, settle_s=poison.settle_s, limits=inbox_limits())

    by_file = {o.file: o for o in outcomes}
    assert list(by_file) == [BEFORE, poison.shown_name, AFTER]
    _assert_valid_files_loaded(conn, inbox, by_file)
    refused = by_file[poison.shown_name]
    told = "\n".join([refused.reason, *(str(e) for e in refused.errors)])
    assert (refused.status, refused.batch_id, refused.rows) == (poison.status, None, 0), told
    for fragment in poison.says:
        assert fragment in told
    if poison.where:
        assert poison.where in {(e.sheet, e.row, e.column) for e in refused.errors}, told
    assert _rows_from(conn, poison.shown_name) == 0  # nothing of it in raw

    quarantine = inbox / "quarantine"
    if poison.status == "quarantined":
        assert refused.moved_to.parent == quarantine and os.path.lexists(refused.moved_to)
        assert not os.path.lexists(inbox / poison.name)
        report = Path(f"{refused.moved_to}.errors.txt").read_text(encoding="utf-8")
        listed = json.loads(Path(f"{refused.moved_to}.errors.json").read_text(encoding="utf-8"))
        assert f"Tệp / File: {poison.shown_name}\n" in report and listed["file"] == poison.shown_name
        for fragment in poison.says:
            assert fragment in report
            assert any(fragment in e["message"] for e in listed["errors"])
        texts = [report, json.dumps(listed, ensure_ascii=False)]
    else:  # waiting: still in the inbox for the next run; skipped: gone, and no report written for it
        assert os.path.lexists(inbox / poison.name) == (poison.status == "waiting")
        assert not quarantine.exists() or not list(quarantine.iterdir())
        texts = []
    for text in [told, caplog.text, *texts]:
        assert "\x1b" not in text and "\u202e" not in text  # names shown escaped, in the log too
        assert poison.secret is None or poison.secret not in text
    if poison.secret:
        everything = conn.execute("select string_agg(f::text, ' ') from raw.annex_figures f").fetchone()[0] or ""
        assert poison.secret not in everything


def test_the_quarantined_name_leaves_room_for_its_error_reports(conn, inbox, tmp_path, monkeypatch, bombs):
    poison = name_too_long(Drop(inbox, tmp_path, monkeypatch, bombs))
    [outcome] = process_inbox(inbox, conn, settle_s=0)
    assert outcome.status == "quarantined"
    assert len(os.fsencode(f"{outcome.moved_to.name}.errors.json")) <= 255
    assert outcome.moved_to.suffix == ".xlsx" and poison.name.startswith(outcome.moved_to.stem)  # shortened


# ---------- the layers behind the messages

def test_openpyxl_itself_parses_with_defusedxml_and_refuses_entities(tmp_path, bombs, monkeypatch, inbox):
    assert openpyxl.xml.DEFUSEDXML
    xxe(Drop(inbox, tmp_path, monkeypatch, bombs))
    with pytest.raises(ValueError) as raised:  # noqa: PT011 - checked below: the cause is defusedxml's; even a reader that skipped the guard would not expand it
        openpyxl.load_workbook(inbox / "m_xxe_phu_luc_v.xlsx")
    assert isinstance(raised.value.__cause__ or raised.value, DefusedXmlException)  # openpyxl wraps it


@pytest.mark.parametrize("kind", ["honest", "lying"])
def test_a_zip_bomb_is_refused_within_seconds_and_a_little_memory(tmp_path, bombs, kind):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bombs[kind])
    measure = ("import resource, sys, time\n"
               "from pathlib import Path\n"
               "from extract.filedrop.parser import parse_file\n"
               "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
               "start = time.monotonic()\n"
               "parsed = parse_file(Path(sys.argv[1]))\n"
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, time.monotonic() - start)\n"
               "print(parsed.errors.items[0].message)\n")
    done = subprocess.run([sys.executable, "-c", measure, str(path)], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert done.returncode == 0, done.stderr
    figures, message = done.stdout.splitlines()
    grown_kb, seconds = figures.split()
    assert int(grown_kb) < 64 * 1024 and float(seconds) < 10, (grown_kb, seconds)  # the sheet alone is 300 MB
    assert "unpacks to" in message


# ---------- a file still being written

def test_a_csv_still_being_written_waits_and_loads_whole_once_it_has_settled(conn, inbox, tmp_path):
    full = _csv_text(tmp_path, samples.vneid())
    path = inbox / "vneid_2026-04-30.csv"
    path.write_text(full[:full.index(",385") + 3], encoding="utf-8")  # cut after "38"
    [first] = process_inbox(inbox, conn, settle_s=1.0)
    with path.open("a", encoding="utf-8") as f:
        f.write(full[full.index(",385") + 3:])
    [second] = process_inbox(inbox, conn, settle_s=1.0)  # written to just now: still waiting
    time.sleep(1.1)
    [third] = process_inbox(inbox, conn, settle_s=1.0)

    assert (first.status, second.status, third.status) == ("waiting", "waiting", "loaded")
    assert _figures(conn, third) == {("total", m): v for m, v in VNEID.items()}  # 385, not 38


# ---------- two runs at once

def test_two_runs_at_once_process_each_file_exactly_once(warehouse_url, inbox, tmp_path, monkeypatch, bombs):
    _write_valid(inbox)
    samples.write_xlsx(inbox / "m_broken_phu_luc_v.xlsx", samples.negative_count())
    start, results, failures = threading.Barrier(2), {}, []

    def run(n: int) -> None:
        with psycopg.connect(warehouse_url, autocommit=True) as own:
            start.wait()
            try:
                results[n] = process_inbox(inbox, own, settle_s=0, lock_wait_s=60)
            except Exception as exc:
                failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not failures
    first, second = sorted(results.values(), key=len, reverse=True)
    assert second == []  # the second run waited for the first, then found nothing left
    assert [(o.file, o.status) for o in first] == [(BEFORE, "loaded"), ("m_broken_phu_luc_v.xlsx", "quarantined"),
                                                    (AFTER, "loaded")]
    with psycopg.connect(warehouse_url, autocommit=True) as check:
        _assert_valid_files_loaded(check, inbox, {o.file: o for o in first})


def test_a_second_run_that_cannot_wait_says_another_run_is_in_progress(conn, warehouse_url, inbox):
    _write_valid(inbox)
    with psycopg.connect(warehouse_url, autocommit=True) as first_run:
        first_run.execute("select pg_advisory_lock(hashtext('chiso:inbox'))")
        started = time.monotonic()
        with pytest.raises(InboxBusy, match=r"another inbox run is in progress.*waited 0\.5 s"):
            process_inbox(inbox, conn, settle_s=0, lock_wait_s=0.5)
        assert 0.5 <= time.monotonic() - started < 5
        assert {p.name for p in inbox.iterdir()} == {BEFORE, AFTER}  # untouched
    outcomes = process_inbox(inbox, conn, settle_s=0, lock_wait_s=5)  # the first run's session ended
    _assert_valid_files_loaded(conn, inbox, {o.file: o for o in outcomes})
    assert conn.execute("select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()"
                        ).fetchone() == (0,)  # released after the run


def test_a_lost_database_connection_stops_the_run_and_leaves_the_file(conn, warehouse_url, inbox, monkeypatch):
    _write_valid(inbox)
    real, calls = inbox_module.ensure_annex_table, []

    def connection_lost_at_the_second_file(c) -> None:
        calls.append(c)
        if len(calls) == 2:
            conn.execute("select pg_terminate_backend(%s)", (c.info.backend_pid,))
        real(c)

    monkeypatch.setattr(inbox_module, "ensure_annex_table", connection_lost_at_the_second_file)
    with psycopg.connect(warehouse_url, autocommit=True) as doomed, pytest.raises(psycopg.OperationalError):
        process_inbox(inbox, doomed, settle_s=0)
    assert not (inbox / BEFORE).exists() and (inbox / "processed" / BEFORE).exists()
    assert (inbox / AFTER).exists() and not (inbox / "quarantine").exists()  # left for the next run


# ---------- what the operator sees

def test_chiso_inbox_prints_names_and_cells_with_control_characters_escaped(warehouse_url, inbox, monkeypatch,
                                                                             capsys):
    layout = samples.phu_luc_v()
    layout.set("D8", "\x1b[5mchưa có")  # a CSV cell can hold an escape (an .xlsx cannot, openpyxl refuses it)
    samples.write_csv(inbox / "m_\x1b[2Jđỏ\r\nphu_luc_v.csv", layout)
    monkeypatch.setenv("CHISO_INBOX_DIR", str(inbox))
    monkeypatch.setenv("CHISO_INBOX_SETTLE_S", "0")
    settings.cache_clear()
    monkeypatch.setattr(chiso.database, "connect", lambda *a, **k: psycopg.connect(warehouse_url, autocommit=True))
    try:
        code = main(["inbox"])
    finally:
        monkeypatch.undo()
        settings.cache_clear()
    out = capsys.readouterr().out
    assert code == 1
    assert "\x1b" not in out and "\r" not in out
    lines = out.splitlines()
    assert lines[0] == "m_\\x1b[2Jđỏ\\r\\nphu_luc_v.csv: quarantined, 0 figures, report date 2026-06-19"
    assert any("row 8, column D" in line and "\\x1b[5mchưa có" in line for line in lines[1:])
