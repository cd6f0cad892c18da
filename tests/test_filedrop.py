"""The annex file drop on real PostgreSQL: the published Phụ lục V lands in raw.annex_figures from XLSX and CSV,
a corrected file supersedes, broken files are quarantined with errors that say where, and dbt reads the result."""

from __future__ import annotations

import calendar
import csv
import json
import random
import unicodedata
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

import filedrop_samples as samples
from chiso.config import PROJECT_ROOT, settings
from chiso.database import create_database, drop_database, to_url
from chiso.dbt import run_dbt
from chiso.roles import ensure_roles
from extract.filedrop.inbox import process_inbox
from extract.filedrop.issues import Issues
from extract.filedrop.numbers import NumberFormatError, parse_count, parse_number, parse_percent
from extract.filedrop.parser import parse_file
from extract.filedrop.spec import ANNEX_FIGURES, ensure_annex_table
from extract.filedrop.templates import LEVELS, TEMPLATES
from extract.loader import ensure_raw_schema
from extract.sources import get_source

REPORT_DAY = date(2026, 6, 19)  # "ngày 19 tháng 6 năm 2026" (000:105)
PUBLISHED_NAME = "phu_luc_v_2026-06-19.xlsx"

# Phụ lục V as printed: (section, level, measure, window) -> value; None where the report prints "-" or nothing.
PUBLISHED_V = {
    ("V.1", "central", "tthc_count", "snapshot"): None,  # 000:112 "-"
    ("V.1", "province", "tthc_count", "snapshot"): 1600,  # 000:112 "1.600"
    ("V.1", "commune", "tthc_count", "snapshot"): 377,  # 000:112
    ("V.2", "central", "dvctt_full_count", "snapshot"): None,  # 000:119 "-"
    ("V.2", "central", "dvctt_partial_count", "snapshot"): None,  # 000:119 "-"
    ("V.2", "province", "dvctt_full_count", "snapshot"): 698,  # 000:119
    ("V.2", "province", "dvctt_partial_count", "snapshot"): 902,  # 000:119
    ("V.2", "commune", "dvctt_full_count", "snapshot"): 143,  # 000:119
    ("V.2", "commune", "dvctt_partial_count", "snapshot"): 234,  # 000:119
    ("V.3", "central", "dossier_online_count", "ytd"): None,  # 000:125: Cấp Trung ương, no numbers
    ("V.3", "central", "dossier_online_count", "cumulative"): None,
    ("V.3", "central", "dossier_direct_other_count", "ytd"): None,
    ("V.3", "central", "dossier_direct_other_count", "cumulative"): None,
    ("V.3", "province", "dossier_online_count", "ytd"): 205496,  # 000:127 "205.496"
    ("V.3", "province", "dossier_online_count", "cumulative"): 347603,  # 000:127 "347.603"
    ("V.3", "province", "dossier_direct_other_count", "ytd"): 29818,  # 000:127 "29.818"
    ("V.3", "province", "dossier_direct_other_count", "cumulative"): 168130,  # 000:127 "168.130"
    ("V.3", "commune", "dossier_online_count", "ytd"): 350170,  # 000:129 "350.170"
    ("V.3", "commune", "dossier_online_count", "cumulative"): 908409,  # 000:129 "908.409"
    ("V.3", "commune", "dossier_direct_other_count", "ytd"): 1017,  # 000:129 "1.017"
    ("V.3", "commune", "dossier_direct_other_count", "cumulative"): 35768,  # 000:129 "35.768"
}


@pytest.fixture(autouse=True)
def annex_table(conn) -> None:
    ensure_annex_table(conn)  # idempotent: every test calls it again


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _file_figures(conn, outcome) -> dict[tuple[str, str, str, str], int | Decimal | None]:
    """The figures the outcome's batch holds from the outcome's file (a batch also carries other annexes' figures)."""
    rows = conn.execute("select section, level, measure, \"window\", value from raw.annex_figures"
                        " where batch_id = %s and file_name = %s", (outcome.batch_id, outcome.file)).fetchall()
    return {(s, lvl, m, w): _plain(v) for s, lvl, m, w, v in rows}


def _current_figures(conn, day: date, annex: str) -> list[tuple]:
    return conn.execute(
        "select f.section, f.level, f.measure, f.\"window\", f.value from raw.annex_figures f"
        " join raw.load_batch b using (batch_id)"
        " where b.status = 'loaded' and f.report_date = %s and f.annex = %s", (day, annex)).fetchall()


def _window_columns(conn, outcome) -> dict[tuple[str, str, str, str], tuple]:
    """Per figure: (window_start, window_end, window_text, title_text, title_window_start, title_window_end)."""
    rows = conn.execute("select section, level, measure, \"window\", window_start, window_end, window_text,"
                        " title_text, title_window_start, title_window_end from raw.annex_figures"
                        " where batch_id = %s and file_name = %s", (outcome.batch_id, outcome.file)).fetchall()
    return {r[:4]: r[4:] for r in rows}


def _plain(value: Decimal | None) -> int | Decimal | None:
    return int(value) if value is not None and value == value.to_integral_value() else value


def _load_published(conn, inbox: Path):
    samples.write_xlsx(inbox / PUBLISHED_NAME, samples.phu_luc_v())
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    return outcome


# ---------- Phụ lục V: the published figures

def test_published_phu_luc_v_xlsx_loads_exactly_the_printed_figures(conn, inbox):
    outcome = _load_published(conn, inbox)

    assert outcome.rows == len(PUBLISHED_V) == 21
    assert outcome.report_date == REPORT_DAY and outcome.template == "phu_luc_v"
    assert _file_figures(conn, outcome) == PUBLISHED_V
    batch = conn.execute("select period_start, period_end, status, is_synthetic, source_url from raw.load_batch"
                         " where batch_id = %s", (outcome.batch_id,)).fetchone()
    assert batch[:4] == (REPORT_DAY, REPORT_DAY, "loaded", False)
    assert batch[4].endswith(f"/processed/{PUBLISHED_NAME}")
    assert outcome.moved_to == inbox / "processed" / PUBLISHED_NAME and outcome.moved_to.exists()
    assert not (inbox / PUBLISHED_NAME).exists()


def test_each_figure_keeps_the_cell_it_came_from_and_the_text_as_written(conn, inbox):
    outcome = _load_published(conn, inbox)
    lineage = {(r[0], r[1], r[2]): r[3:] for r in conn.execute(
        "select section, level, measure, value_raw, sheet, cell, file_name from raw.annex_figures"
        " where batch_id = %s and \"window\" in ('snapshot', 'ytd')", (outcome.batch_id,)).fetchall()}
    assert lineage[("V.1", "province", "tthc_count")] == ("1.600", "Phụ lục V", "C8", PUBLISHED_NAME)
    assert lineage[("V.1", "central", "tthc_count")][:2] == ("-", "Phụ lục V")  # "-": nothing reported
    assert lineage[("V.3", "province", "dossier_online_count")][2] == "B21"  # the row under "Cấp Tỉnh"
    assert lineage[("V.3", "central", "dossier_online_count")][0] is None  # blank in the report


def test_the_v3_title_period_is_kept_as_a_warning_while_columns_set_the_window(conn, inbox):
    outcome = _load_published(conn, inbox)
    [warning] = outcome.warnings
    assert (warning.sheet, warning.row, warning.column) == ("Phụ lục V", 16, "A")
    assert "6 tháng đầu năm" in warning.message and "5 tháng đầu năm" in warning.message
    assert warning.value.startswith("3. Tổng số hồ sơ tiếp nhận trong 6 tháng đầu năm 2026")


V1_TITLE, V2_TITLE = "1. Số thủ tục hành chính:", "2. Số dịch vụ công trực tuyến:"
V3_TITLE = "3. Tổng số hồ sơ tiếp nhận trong 6 tháng đầu năm 2026 và lũy kế đến hiện tại:"  # 000:121


def test_the_published_windows_come_from_the_headers_and_the_title_window_is_stored_beside_them(conn, inbox):
    windows = _window_columns(conn, _load_published(conn, inbox))

    by_window = {w: {v for k, v in windows.items() if k[3] == w} for w in ("snapshot", "ytd", "cumulative")}
    # "5 tháng đầu năm" (000:123) is January–May; the title's "6 tháng đầu năm 2026" (000:121) is January–June
    assert by_window["ytd"] == {(date(2026, 1, 1), date(2026, 5, 31), "5 tháng đầu năm",
                                 V3_TITLE, date(2026, 1, 1), date(2026, 6, 30))}
    # "Lũy kế đến hiện tại": no stated start, up to the report date; so is the title's "lũy kế đến hiện tại"
    assert by_window["cumulative"] == {(None, REPORT_DAY, "Lũy kế đến hiện tại", V3_TITLE, None, REPORT_DAY)}
    # V.1 and V.2 are stocks on the report date, fixed by the template; their titles name no period
    assert by_window["snapshot"] == {(REPORT_DAY, REPORT_DAY, None, V1_TITLE, None, None),
                                     (REPORT_DAY, REPORT_DAY, None, V2_TITLE, None, None)}
    assert len(windows) == len(PUBLISHED_V)


@pytest.mark.parametrize("build", [samples.phu_luc_v, samples.phu_luc_v_same_row], ids=["published", "level-column"])
def test_v3_columns_headed_4_thang_dau_nam_cover_january_to_april(conn, inbox, build):
    layout = samples.with_v3_periods(build(), "4 tháng đầu năm", "Lũy kế đến 31/5/2026")
    samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]

    windows = _window_columns(conn, outcome)
    assert {v[:3] for k, v in windows.items() if k[3] == "ytd"} == {
        (date(2026, 1, 1), date(2026, 4, 30), "4 tháng đầu năm")}
    assert {v[:3] for k, v in windows.items() if k[3] == "cumulative"} == {(None, date(2026, 5, 31),
                                                                            "Lũy kế đến 31/5/2026")}
    assert _file_figures(conn, outcome) == PUBLISHED_V  # same values, other windows
    [warning] = outcome.warnings  # the title still says 6 months, and up to the report date
    assert "'6 tháng đầu năm 2026' (01/01/2026–30/06/2026)" in warning.message
    assert "'4 tháng đầu năm' (01/01/2026–30/04/2026)" in warning.message
    assert "'Lũy kế đến 31/5/2026' (to 31/05/2026)" in warning.message


def _spelled_period(rng: random.Random, year: int) -> tuple[str, str, date, date]:
    """A calendar-period header in one of the spellings owners use, and its window computed here."""
    kind = rng.choice(["ytd", "quarter", "month", "year"])
    with_year = rng.random() < 0.6
    if kind == "ytd":
        n = rng.randint(1, 12)
        text = rng.choice([f"{n} tháng đầu năm" + (f" {year}" if with_year else ""), f"{n} tháng năm {year}",
                           f"{n} THÁNG ĐẦU NĂM"])
        return text, kind, date(year, 1, 1), date(year, n, calendar.monthrange(year, n)[1])
    if kind == "quarter":
        q = rng.randint(1, 4)
        numeral = rng.choice([["I", "II", "III", "IV"][q - 1], str(q)])
        text = rng.choice([f"Quý {numeral}", f"QUÝ {numeral}/{year}", f"Quý {numeral} năm {year}"])
        return text, kind, date(year, 3 * q - 2, 1), date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])
    if kind == "month":
        m = rng.randint(1, 12)
        text = rng.choice([f"Tháng {m}/{year}", f"tháng {m:02d} năm {year}", f"Tháng {m}"])
        return text, kind, date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1])
    return f"Năm {year}", kind, date(year, 1, 1), date(year, 12, 31)


def _spelled_running_total(rng: random.Random, report_day: date) -> tuple[str, date | None, date]:
    """A "Lũy kế …" header and its window computed here: to the report date or to a stated month end before it,
    from a stated start or from no stated day."""
    if rng.random() < 0.4:
        return rng.choice(["Lũy kế", "Luỹ kế đến hiện tại", "Lũy kế đến nay", "LŨY KẾ ĐẾN THỜI ĐIỂM BÁO CÁO",
                           "lũy kế đến thời điểm báo cáo"]), None, report_day
    month = rng.randint(1, report_day.month - 1)
    end = date(report_day.year, month, calendar.monthrange(report_day.year, month)[1])
    start = date(report_day.year - 1, rng.randint(1, 12), 1) if rng.random() < 0.5 else None
    to = rng.choice([f"{end.day}/{end.month}/{end.year}", f"ngày {end:%d/%m/%Y}",
                     f"ngày {end.day} tháng {end.month} năm {end.year}"])
    text = f"Lũy kế đến {to}" if start is None else rng.choice([
        f"Lũy kế từ {start:%d/%m/%Y} đến {to}", f"Lũy kế đến {to} (từ {start.day}/{start.month}/{start.year})"])
    return (text.upper() if rng.random() < 0.2 else text), start, end


@pytest.mark.parametrize("seed", range(12))
def test_generated_v3_period_headers_load_the_windows_they_name(conn, inbox, seed):
    rng = random.Random(seed)
    year = REPORT_DAY.year
    period, kind, start, end = _spelled_period(rng, year)
    running, running_start, running_end = _spelled_running_total(rng, REPORT_DAY)
    layout = samples.with_v3_periods(rng.choice([samples.phu_luc_v, samples.phu_luc_v_same_row])(), period, running)
    if seed % 2:
        samples.write_csv(inbox / "phu_luc_v_2026-06-19.csv", layout, delimiter=";", bom=True)
    else:
        samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", (period, running, [str(e) for e in outcome.errors])

    v3 = {k: v[:3] for k, v in _window_columns(conn, outcome).items() if k[0] == "V.3"}
    assert {(k[3], v) for k, v in v3.items()} == {(kind, (start, end, period)),
                                                  ("cumulative", (running_start, running_end, running))}
    assert {(*k[:3], "ytd" if k[3] == kind else "cumulative"): v for k, v in _file_figures(conn, outcome).items()
            if k[0] == "V.3"} == {k: v for k, v in PUBLISHED_V.items() if k[0] == "V.3"}


@pytest.mark.parametrize(("cell", "header", "reason"), [
    ("B18", "13 tháng đầu năm", "a year has 12 months"),
    ("D18", "Quý V", "quarters I, II, III and IV"),
    ("C18", "Lũy kế đến 31/2/2026", "not a calendar date"),
    ("E18", "Lũy kế từ 01/7/2026", "after its end"),
    ("B18", "5 tháng đầu năm (ước)", "not a period header that can be read"),
])
def test_a_period_header_that_cannot_be_read_is_refused_naming_its_cell(conn, inbox, cell, header, reason):
    layout = samples.phu_luc_v()
    layout.set(cell, header)
    samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "quarantined"
    [error] = outcome.errors
    assert (error.sheet, error.row, error.column) == ("Phụ lục V", 18, cell[0])
    assert reason in error.message and "section V.3" in error.message and error.value == header
    assert "5 tháng đầu năm" in error.expected and "Lũy kế đến 31/5/2026" in error.expected


def test_two_columns_of_one_measure_naming_the_same_kind_of_window_are_refused(conn, inbox):
    layout = samples.phu_luc_v()
    layout.set("C18", "Lũy kế từ đầu năm")  # from 1 January too, like "5 tháng đầu năm" beside it
    samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    [outcome] = process_inbox(inbox, conn)
    [error] = outcome.errors
    assert outcome.status == "quarantined" and (error.row, error.column) == (18, "C")
    assert "columns B18 ('5 tháng đầu năm') and C18 both read as window 'ytd'" in error.message


# ---------- total rows

V3_TOTAL = {("V.3", "total", m, w): PUBLISHED_V[("V.3", "province", m, w)] + PUBLISHED_V[("V.3", "commune", m, w)]
            for (section, level, m, w) in PUBLISHED_V if section == "V.3" and level == "province"}


@pytest.mark.parametrize("build", [lambda: samples.phu_luc_v(total=True), samples.phu_luc_v_same_row_with_total],
                         ids=["published-label-then-numbers", "level-column"])
def test_a_v3_total_row_is_read_as_level_total(conn, inbox, build):
    samples.write_xlsx(inbox / PUBLISHED_NAME, build())
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    assert _file_figures(conn, outcome) == {**PUBLISHED_V, **V3_TOTAL}
    assert V3_TOTAL[("V.3", "total", "dossier_online_count", "cumulative")] == 1256012  # 347.603 + 908.409


def test_a_second_total_row_in_a_table_is_refused(conn, inbox):
    layout = samples.phu_luc_v_same_row_with_total("Tổng cộng")
    layout.put(23, [None, "Toàn tỉnh", "555.666", "1.256.012", "30.835", "203.898"])
    samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    [outcome] = process_inbox(inbox, conn)
    [error] = outcome.errors
    assert outcome.status == "quarantined" and (error.row, error.column) == (23, "B")
    assert "a total row appears twice (first at row 22)" in error.message


# ---------- formulas

RECALCULATE = "open the file in Excel or LibreOffice, recalculate (F9) and save it, then drop it again"


def test_a_formula_saved_without_its_result_is_refused_naming_the_cell(conn, inbox):
    layout = samples.phu_luc_v()
    layout.set("C8", "=1000+600")  # V.1 cấp tỉnh, written by a script: openpyxl saves no result
    samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    [outcome] = process_inbox(inbox, conn)

    assert (outcome.status, outcome.rows) == ("quarantined", 0)
    [error] = outcome.errors
    assert (error.sheet, error.row, error.column) == ("Phụ lục V", 8, "C")
    assert error.message == f"cell C8 holds a formula (=1000+600) with no saved result; {RECALCULATE}"
    report = Path(f"{outcome.moved_to}.errors.txt").read_text(encoding="utf-8")
    assert "row 8, column C: cell C8 holds a formula (=1000+600) with no saved result" in report


def test_a_formula_saved_with_its_result_loads_the_result(conn, inbox):
    layout = samples.phu_luc_v()
    layout.set("C8", "=1000+600")
    path = samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    samples.save_formula_results(path, {"C8": 1600})  # as Excel or LibreOffice save it after recalculating
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    assert _file_figures(conn, outcome) == PUBLISHED_V


def test_the_total_row_of_the_signature_template_may_be_a_saved_sum(conn, inbox):
    layout = samples.chu_ky_so()
    layout.set("C6", 5492)
    layout.set("C8", "=SUM(C6:C7)")
    path = samples.write_xlsx(inbox / "chu_ky_so_2026-04-30.xlsx", layout)
    samples.save_formula_results(path, {"C8": 14533})
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    assert _file_figures(conn, outcome)[("chu_ky_so", "total", "ds_cert_count", "snapshot")] == 14533


def test_formulas_without_results_are_refused_in_labels_too_but_not_outside_the_tables(conn, inbox):
    layout = samples.phu_luc_v()
    layout.set("B18", '="5 tháng đầu năm"')  # a V.3 header
    layout.set("E23", "=SUM(E21)")  # V.3 cấp xã, trực tiếp, lũy kế
    layout.set("H40", "=TODAY()")  # below everything that is read: not a figure, not a label
    samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    [outcome] = process_inbox(inbox, conn)
    unsaved = [(e.row, e.column) for e in outcome.errors if "with no saved result" in e.message]
    assert outcome.status == "quarantined" and unsaved == [(18, "B"), (23, "E")]


def test_a_report_date_formula_without_its_result_is_refused_once(conn, inbox):
    layout = samples.vneid()
    layout.set("B2", "=TODAY()")  # beside "Ngày báo cáo:"
    samples.write_xlsx(inbox / "vneid.xlsx", layout)
    [outcome] = process_inbox(inbox, conn)
    unsaved = [(e.row, e.column) for e in outcome.errors if "with no saved result" in e.message]
    assert outcome.status == "quarantined" and unsaved == [(2, "B")]


def test_a_formula_whose_saved_result_is_empty_text_is_a_blank_cell(conn, inbox):
    layout = samples.phu_luc_v()
    layout.set("E23", '=IF(TRUE,"",1)')
    path = samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    samples.save_formula_results(path, {"E23": ""})  # Excel saves an empty text result as t="str", <v></v>
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    assert _file_figures(conn, outcome)[("V.3", "commune", "dossier_direct_other_count", "cumulative")] is None


# ---------- the raw table

def test_new_annex_tables_require_a_window_end(conn):
    nullable = dict(conn.execute("select column_name, is_nullable from information_schema.columns"
                                 " where table_schema = 'raw' and table_name = 'annex_figures'").fetchall())
    assert {c: nullable[c] for c in ("window", "window_start", "window_end", "window_text", "title_text",
                                     "title_window_start", "title_window_end")} == {
        "window": "NO", "window_start": "YES", "window_end": "NO", "window_text": "YES", "title_text": "YES",
        "title_window_start": "YES", "title_window_end": "YES"}


OLD_COLUMNS = ("report_date", "annex", "section", "level", "measure", "window", "value", "value_raw", "file_name",
               "sheet", "cell")


def test_an_annex_table_made_by_the_old_code_is_upgraded_and_loads(pg_admin_url, tmp_path):
    dbname = f"chiso_old_{uuid.uuid4().hex[:10]}"
    create_database(pg_admin_url, dbname)
    try:
        with psycopg.connect(to_url(pg_admin_url, dbname=dbname), autocommit=True) as old:
            ensure_raw_schema(old, replace(ANNEX_FIGURES, columns=tuple(
                c for c in ANNEX_FIGURES.columns if c.name in OLD_COLUMNS)))
            ensure_annex_table(old)
            ensure_annex_table(old)  # idempotent
            inbox = tmp_path / "inbox"
            inbox.mkdir()
            samples.write_xlsx(inbox / PUBLISHED_NAME, samples.phu_luc_v())
            [outcome] = process_inbox(inbox, old)
            assert outcome.status == "loaded", [str(e) for e in outcome.errors]
            assert _file_figures(old, outcome) == PUBLISHED_V
            assert old.execute("select count(*) from raw.annex_figures where window_end is null").fetchone() == (0,)
    finally:
        drop_database(pg_admin_url, dbname)


@pytest.mark.parametrize(("delimiter", "bom"), [(";", True), (",", False), ("\t", True)],
                         ids=["semicolon-bom", "comma", "tab-bom"])
def test_a_csv_saved_from_the_same_sheet_loads_the_same_figures(conn, inbox, delimiter, bom):
    samples.write_csv(inbox / "phu_luc_v_2026-06-19.csv", samples.phu_luc_v(), delimiter=delimiter, bom=bom)
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    assert _file_figures(conn, outcome) == PUBLISHED_V


def test_v3_with_a_level_column_and_numbers_on_the_same_row_loads_the_same_figures(conn, inbox):
    samples.write_xlsx(inbox / "phu_luc_v_2026-06-19.xlsx", samples.phu_luc_v_same_row())
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    assert _file_figures(conn, outcome) == PUBLISHED_V


def test_headers_match_across_unicode_forms_case_tone_placement_and_a_broken_stt(tmp_path):
    layout = samples.phu_luc_v()
    for address, value in list(layout.cells.items()):
        if isinstance(value, str):
            layout.cells[address] = unicodedata.normalize("NFD", value)  # as some Mac tools save text
    layout.set("A6", "ST T")
    layout.set("C18", "Luỹ kế đến hiện tại")  # old-style tone placement
    layout.set("C7", "CẤP TỈNH")
    parsed = parse_file(samples.write_xlsx(tmp_path / PUBLISHED_NAME, layout))
    assert not parsed.errors, [str(e) for e in parsed.errors.items]
    assert {(f.section, f.level, f.measure, f.window.type): f.value for f in parsed.figures} == PUBLISHED_V


# ---------- corrections and rejected files

def test_a_corrected_file_for_the_same_report_date_supersedes_the_earlier_one(conn, inbox):
    first = _load_published(conn, inbox)
    corrected = samples.phu_luc_v()
    corrected.set("C23", "908.490")  # the owner fixes a typo in V.3 cấp xã, lũy kế trực tuyến
    samples.write_xlsx(inbox / PUBLISHED_NAME, corrected)
    [second] = process_inbox(inbox, conn)

    expected = {**PUBLISHED_V, ("V.3", "commune", "dossier_online_count", "cumulative"): 908490}
    current = _current_figures(conn, REPORT_DAY, "V")
    assert len(current) == len(expected)  # no duplicates
    assert {r[:4]: _plain(r[4]) for r in current} == expected
    status = conn.execute("select status, superseded_by from raw.load_batch where batch_id = %s",
                          (first.batch_id,)).fetchone()
    assert status == ("superseded", second.batch_id)
    assert _file_figures(conn, first) == PUBLISHED_V  # raw is append-only: lineage kept
    assert second.moved_to.parent == inbox / "processed" and second.moved_to.name != PUBLISHED_NAME


def test_annexes_of_the_same_report_date_do_not_supersede_each_other(conn, inbox):
    day = date(2026, 6, 25)
    samples.write_xlsx(inbox / "a_phu_luc_v.xlsx", samples.phu_luc_v())
    samples.write_xlsx(inbox / "b_vneid.xlsx", samples.vneid())
    first_v, vneid = process_inbox(inbox, conn, report_date_override=day)
    assert (first_v.status, vneid.status) == ("loaded", "loaded")

    corrected = samples.phu_luc_v()
    corrected.set("C8", "1.601")
    samples.write_xlsx(inbox / "c_phu_luc_v.xlsx", corrected)
    [second_v] = process_inbox(inbox, conn, report_date_override=day)

    assert {r[:4]: _plain(r[4]) for r in _current_figures(conn, day, "V")} == {
        **PUBLISHED_V, ("V.1", "province", "tthc_count", "snapshot"): 1601}
    current_vneid = _current_figures(conn, day, "vneid")
    assert len(current_vneid) == 6 and {r[2]: _plain(r[4]) for r in current_vneid}["eid_activated_count"] == 2228763
    files = conn.execute("select annex, array_agg(distinct file_name) from raw.annex_figures where batch_id = %s"
                         " group by annex order by annex", (second_v.batch_id,)).fetchall()
    assert files == [("V", ["c_phu_luc_v.xlsx"])]  # each annex is its own feed: the correction touches V only
    vneid_status = conn.execute("select status from raw.load_batch where batch_id = %s", (vneid.batch_id,)).fetchone()
    assert vneid_status == ("loaded",)


BROKEN = [
    (samples.text_in_number_column, PUBLISHED_NAME, 21, "D", "not a valid count"),
    (samples.missing_column, PUBLISHED_NAME, 7, "D", "missing column 'Số TTHC › Cấp xã'"),
    (samples.renamed_header, PUBLISHED_NAME, 13, "E", "unknown header under 'Số DVCTT › Cấp tỉnh'"),
    (samples.negative_count, PUBLISHED_NAME, 8, "D", "a negative count (-377)"),
    (samples.no_report_date, "phu_luc_v.xlsx", 1, "A", "no report date"),
]


@pytest.mark.parametrize(("build", "name", "row", "column", "message"), BROKEN,
                         ids=[b[0].__name__ for b in BROKEN])
def test_a_broken_file_is_quarantined_with_an_error_naming_its_cell_and_loads_nothing(
        conn, inbox, build, name, row, column, message):
    good = _load_published(conn, inbox)
    samples.write_xlsx(inbox / name, build())

    [outcome] = process_inbox(inbox, conn)

    assert (outcome.status, outcome.batch_id, outcome.rows) == ("quarantined", None, 0)
    error = next(e for e in outcome.errors if message in e.message)
    assert (error.file, error.sheet, error.row, error.column) == (name, "Phụ lục V", row, column)
    assert outcome.moved_to == inbox / "quarantine" / name and not (inbox / name).exists()
    report = Path(f"{outcome.moved_to}.errors.txt").read_text(encoding="utf-8")
    assert report.startswith("LỖI TỆP SỐ LIỆU") and "FILE ERRORS" in report
    assert f"{name}, sheet 'Phụ lục V', row {row}, column {column}: " in report
    listed = json.loads(Path(f"{outcome.moved_to}.errors.json").read_text(encoding="utf-8"))["errors"]
    assert any((e["file"], e["sheet"], e["row"], e["column"]) == (name, "Phụ lục V", row, column) for e in listed)
    current = conn.execute("select distinct batch_id from raw.annex_figures f join raw.load_batch b"
                           " using (batch_id) where b.status = 'loaded' and f.report_date = %s",
                           (REPORT_DAY,)).fetchall()
    assert current == [(good.batch_id,)]  # the earlier load is untouched
    assert _file_figures(conn, good) == PUBLISHED_V


def test_every_error_of_a_file_is_reported_not_only_the_first(conn, inbox):
    layout = samples.phu_luc_v()
    layout.set("D8", -377)
    layout.set("E13", "Số DVC một phần")
    layout.set("D21", "chưa tổng hợp")
    layout.set("C23", "1,190,533")
    samples.write_xlsx(inbox / PUBLISHED_NAME, layout)
    [outcome] = process_inbox(inbox, conn)
    cells = {(e.row, e.column) for e in outcome.errors}
    assert {(8, "D"), (13, "E"), (21, "D"), (23, "C")} <= cells
    assert any("thousands separator" in e.message for e in outcome.errors if (e.row, e.column) == (23, "C"))


def test_errors_past_the_limit_are_counted_not_listed():
    issues = Issues("x.xlsx", limit=2)
    for row in range(1, 6):
        issues.add("Phụ lục V", row, 3, "not a valid count")
    assert [(i.row, i.column) for i in issues.items] == [(1, "C"), (2, "C")]
    assert (issues.not_listed, len(issues)) == (3, 5)


def test_a_file_name_date_that_contradicts_the_caption_is_refused(conn, inbox):
    samples.write_xlsx(inbox / "phu_luc_v_2026-06-20.xlsx", samples.phu_luc_v())
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "quarantined"
    [error] = outcome.errors
    assert (error.row, error.column) == (2, "A") and "differs from the date in the file name (2026-06-20)" in \
        error.message


def test_without_a_caption_date_the_file_name_gives_the_report_date(conn, inbox):
    samples.write_xlsx(inbox / "phu_luc_v_2026-06-20.xlsx", samples.no_report_date())
    [outcome] = process_inbox(inbox, conn)
    assert (outcome.status, outcome.report_date) == ("loaded", date(2026, 6, 20))
    assert _file_figures(conn, outcome) == PUBLISHED_V


def test_the_operator_can_give_the_report_date(conn, inbox):
    samples.write_xlsx(inbox / "phu_luc_v.xlsx", samples.no_report_date())
    [outcome] = process_inbox(inbox, conn, report_date_override=date(2026, 6, 21))
    assert (outcome.status, outcome.report_date) == ("loaded", date(2026, 6, 21))


def test_a_csv_that_is_not_utf8_is_quarantined_with_the_row(conn, inbox):
    path = samples.write_csv(inbox / "phu_luc_v_2026-06-19.csv", samples.phu_luc_v())
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1258", errors="replace"))
    [outcome] = process_inbox(inbox, conn)
    [error] = outcome.errors
    assert outcome.status == "quarantined" and error.row == 1 and "not UTF-8" in error.message


def test_the_inbox_skips_lock_files_and_quarantines_unsupported_workbooks(conn, inbox):
    (inbox / "~$phu_luc_v_2026-06-19.xlsx").write_bytes(b"lock")
    (inbox / "ghi_chu.txt").write_text("not a report", encoding="utf-8")
    (inbox / "phu_luc_v_2026-06-19.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    [outcome] = process_inbox(inbox, conn)
    assert outcome.file == "phu_luc_v_2026-06-19.xls" and outcome.status == "quarantined"
    assert "an .xlsx workbook" in outcome.errors[0].expected
    assert (inbox / "~$phu_luc_v_2026-06-19.xlsx").exists() and (inbox / "ghi_chu.txt").exists()
    assert process_inbox(inbox, conn) == []


def test_the_inbox_folder_is_chiso_inbox_dir_or_the_state_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("CHISO_INBOX_DIR", raising=False)
    settings.cache_clear()
    try:
        assert settings().inbox_dir == settings().state_dir / "inbox"
        monkeypatch.setenv("CHISO_INBOX_DIR", str(tmp_path / "drop"))
        settings.cache_clear()
        assert settings().inbox_dir == tmp_path / "drop"
    finally:
        monkeypatch.undo()
        settings.cache_clear()


# ---------- VNeID and digital signatures

def test_the_vneid_template_loads_province_wide_snapshots_as_totals(conn, inbox):
    samples.write_xlsx(inbox / "vneid_2026-04-30.xlsx", samples.vneid())
    [outcome] = process_inbox(inbox, conn)
    assert (outcome.status, outcome.report_date) == ("loaded", date(2026, 4, 30)), outcome.errors
    assert _file_figures(conn, outcome) == {
        ("vneid", "total", "id_card_application_count", "snapshot"): 3999830,  # 002:909
        ("vneid", "total", "eid_application_count", "snapshot"): 2891016,  # 002:909
        ("vneid", "total", "eid_activated_count", "snapshot"): 2228763,  # 002:909
        ("vneid", "total", "org_eid_eligible_count", "snapshot"): None,  # not in 002
        ("vneid", "total", "org_eid_registered_count", "snapshot"): None,
        ("vneid", "total", "vneid_stay_notification_facility_count", "snapshot"): 385,  # 002:877 "385/385"
    }
    title = "SỐ LIỆU ĐỊNH DANH ĐIỆN TỬ VÀ ỨNG DỤNG VNeID (ĐỀ ÁN 06)"  # row 1, above the "Ngày báo cáo" row
    assert set(_window_columns(conn, outcome).values()) == {  # the header says: a stock on the report date
        (date(2026, 4, 30), date(2026, 4, 30), "Số liệu đến thời điểm báo cáo", title, None, None)}


def test_a_vneid_header_naming_another_day_dates_the_stocks_on_that_day(conn, inbox):
    layout = samples.vneid()
    layout.set("C4", "Số liệu đến ngày 31/3/2026")
    samples.write_xlsx(inbox / "vneid_2026-04-30.xlsx", layout)
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    assert {w[:3] for w in _window_columns(conn, outcome).values()} == {
        (date(2026, 3, 31), date(2026, 3, 31), "Số liệu đến ngày 31/3/2026")}  # the report date is 30/4


def test_a_signature_title_naming_a_day_is_kept_beside_the_figures(conn, inbox):
    layout = samples.chu_ky_so()
    layout.set("A1", "SỐ LIỆU CHỨNG THƯ CHỮ KÝ SỐ CHUYÊN DÙNG CÔNG VỤ (tính đến ngày 31/3/2026)")
    samples.write_xlsx(inbox / "chu_ky_so_2026-04-30.xlsx", layout)
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    assert {(w[1], w[5]) for w in _window_columns(conn, outcome).values()} == {
        (date(2026, 4, 30), date(2026, 3, 31))}  # the figures stay on the report date, the title's day beside them


def test_the_digital_signature_template_loads_both_levels_and_the_total_row(conn, inbox):
    samples.write_xlsx(inbox / "chu_ky_so_2026-04-30.xlsx", samples.chu_ky_so())
    [outcome] = process_inbox(inbox, conn)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    figures = _file_figures(conn, outcome)
    by_level = {lvl: {m: v for (_, level, m, _), v in figures.items() if level == lvl}
                for lvl in ("province", "commune", "total")}
    assert by_level["province"] == {  # 002:710, cấp tỉnh
        "ds_cert_count": 5492, "ds_cert_org_count": 710, "ds_cert_personal_count": 4782, "ds_token_count": 4609,
        "ds_sim_pki_count": 462, "ds_remote_signing_account_count": 421, "ds_staff_equipped_rate": 100}
    assert by_level["commune"] == {  # 002:710, cấp xã
        "ds_cert_count": 9041, "ds_cert_org_count": 1777, "ds_cert_personal_count": 6498, "ds_token_count": 8159,
        "ds_sim_pki_count": 336, "ds_remote_signing_account_count": 501, "ds_staff_equipped_rate": 100}
    # the "Tổng cộng" row (002:710: 14.533 certificates) is read as it was filled; the warehouse checks it
    assert by_level["total"] == {"ds_cert_count": 5492 + 9041, "ds_cert_org_count": None,
                                 "ds_cert_personal_count": None, "ds_token_count": None, "ds_sim_pki_count": None,
                                 "ds_remote_signing_account_count": None, "ds_staff_equipped_rate": None}
    assert len(figures) == 21 and not outcome.warnings


def test_every_template_measure_is_a_catalogue_indicator_and_every_figure_key_is_complete():
    with (PROJECT_ROOT / "seeds" / "indicators.csv").open(encoding="utf-8") as f:
        catalogue = {row["indicator_code"] for row in csv.DictReader(f)}
    for template in TEMPLATES:
        for section in template.sections:
            row_keys = [r.key for r in section.rows] or [section.key]
            for column in section.columns:
                for row_key in row_keys:
                    key = section.key.merge(row_key, column.key)
                    assert key.complete, (template.key, section.code, column.path)
                    assert key.measure in catalogue, key.measure
                    assert key.level in LEVELS, key.level
                # V.3 names its periods in the headers, VNeID the day of its stocks; the others are stocks on the
                # report date
                assert column.reads_window == (section.code in ("V.3", "vneid")), (section.code, column.path)


# ---------- dbt reads the current figures

def test_dbt_builds_the_current_annex_figures_with_their_tests(conn, inbox):
    outcome = _load_published(conn, inbox)
    run_dbt(["build", "--select", "+int_annex__figures_current", "+dim_indicator",  # raises on a failing test
             "--indirect-selection", "cautious"])
    rows = conn.execute(
        "select section_code, admin_level, indicator_code, time_window, figure_value, batch_id"
        " from intermediate.int_annex__figures_current where report_date = %s and annex_code = 'V'",
        (REPORT_DAY,)).fetchall()
    assert {r[:4]: _plain(r[4]) for r in rows} == PUBLISHED_V
    assert {r[5] for r in rows} == {outcome.batch_id}


def test_dbt_builds_on_a_warehouse_where_no_annex_file_has_arrived(pg_admin_url):
    dbname = f"chiso_fresh_{uuid.uuid4().hex[:10]}"
    create_database(pg_admin_url, dbname)
    url = to_url(pg_admin_url, dbname=dbname)
    try:
        with psycopg.connect(url, autocommit=True) as fresh:
            ensure_raw_schema(fresh, get_source("tthc"))  # another feed has loaded; no annex file yet
            ensure_roles(fresh)  # chiso init's grants (without its other raw tables: no annex table yet)
            run_dbt(["build", "--select", "+int_annex__figures_current", "+dim_indicator",
                     "--indirect-selection", "cautious"], url=url)
            assert fresh.execute("select to_regclass('raw.annex_figures')").fetchone() == (None,)
            assert fresh.execute("select count(*) from intermediate.int_annex__figures_current").fetchone() == (0,)
    finally:
        drop_database(pg_admin_url, dbname)


# ---------- Vietnamese numbers

@pytest.mark.parametrize(("text", "expected"), [
    ("1.190.533", 1190533),  # 002:776
    ("1.600", 1600),  # 000:112
    ("205.496", 205496),  # 000:127
    ("03", 3),  # 000:78
    ("0", 0),
    ("95,88 %", Decimal("95.88")),  # 002:775
    ("95,88%", Decimal("95.88")),
    ("74.02%", Decimal("74.02")),  # 002:309, dot-decimal exception
    ("0,5", Decimal("0.5")),
    ("1.600,5", Decimal("1600.5")),
    ("1 190 533", 1190533),
    ("\u00a01.017 ", 1017),
    ("-", None),  # nothing reported
    ("–", None),
    ("", None),
    ("   ", None),
    (None, None),
    (377, 377),
    (1600.0, 1600),
])
def test_vietnamese_numbers_are_read(text, expected):
    assert parse_number(text) == expected
    assert type(parse_number(text)) is type(expected)


@pytest.mark.parametrize(("text", "reason"), [
    ("1,600", "ambiguous"),  # 1,6 in Vietnamese, 1600 in English
    ("12.345%", "ambiguous"),
    ("1,190,533", "thousands separator"),
    ("1.6OO", "not a number"),
    ("01.600", "not a number"),
    ("1.2.3", "not a number"),
    (">2,23 triệu", "not a number"),  # 000:278
    ("50.000.000 (50 tỷ đồng)", "not a number"),  # Phụ lục VI
    ("abc", "not a number"),
    (True, "true/false"),
    (date(2026, 6, 1), "a date"),
])
def test_garbage_and_ambiguous_numbers_are_refused(text, reason):
    with pytest.raises(NumberFormatError, match=reason):
        parse_number(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("-377", "negative"), ("1.600,5", "whole number"), ("95,88 %", "percentage")])
def test_counts_are_whole_and_not_negative(text, reason):
    with pytest.raises(NumberFormatError, match=reason):
        parse_count(text)


def test_percentages_are_points_from_0_to_100():
    assert parse_percent("95,88 %") == Decimal("95.88")
    assert parse_percent(0.9588, percent_format=True) == Decimal("95.88")  # an Excel cell shown as 95.88%
    assert parse_percent("100") == 100
    with pytest.raises(NumberFormatError, match="ambiguous"):
        parse_percent("0,95")  # 0,95 % or 95 %?
    with pytest.raises(NumberFormatError, match=r"outside 0\.\.100"):
        parse_percent("120%")
