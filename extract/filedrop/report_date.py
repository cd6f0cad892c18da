"""Find a dropped file's report date: a "Ngày báo cáo" cell, the caption above the first table, or the file name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from extract.filedrop.issues import Issues
from extract.filedrop.tables import Block
from extract.filedrop.text import clean, key
from extract.filedrop.workbook import Sheet, address, unsaved_formula_message

LONG_DATE = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})")
SHORT_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
REPORT_DATE_LABEL = "ngày báo cáo"
FILE_NAME = re.compile(r"(?P<template>[a-z0-9_]+?)_(?P<date>\d{4}-\d{2}-\d{2})", re.IGNORECASE)
EARLIEST = date(2025, 7, 1)  # the merged province of Lâm Đồng exists from this day; no annex reports on earlier


@dataclass(frozen=True)
class Found:
    """A date found in the file, and where."""

    day: date
    sheet: str
    row: int
    col: int
    text: str

    def describe(self) -> str:
        return f"sheet '{self.sheet}' cell {address(self.col, self.row)} ('{self.text}')"


def file_name_parts(path: Path) -> tuple[str | None, str | None]:
    """(template key, YYYY-MM-DD) of a name like ``phu_luc_v_2026-06-19.xlsx``; (None, None) otherwise."""
    match = FILE_NAME.fullmatch(path.stem)
    return (match.group("template").lower(), match.group("date")) if match else (None, None)


def find_report_date(sheets: list[Sheet], blocks: list[Block], path: Path, errors: Issues,
                     today: date | None = None, days_ahead: int = 7) -> tuple[date | None, str]:
    """The report date and where it came from; conflicts, absence and a date outside the days a report can have
    (``implausible``) are recorded in ``errors``."""
    found = _labelled(sheets, errors) or _caption(blocks, errors)
    named = _from_file_name(path, errors)
    if found and named and found.day != named:
        errors.add(found.sheet, found.row, found.col, f"the report date in the file ({found.day:%d/%m/%Y}) differs"
                   f" from the date in the file name ({named})", value=found.text,
                   expected="the same date in both, or a file name without a date")
        return None, ""
    day, source = (found.day, found.describe()) if found else (named, f"file name '{path.name}'")
    if day is None:
        _report_missing(sheets, blocks, errors)
        return None, ""
    reason = implausible(day, today or date.today(), days_ahead)
    if reason:
        where = (found.sheet, found.row, found.col) if found else (None, None, None)
        errors.add(*where, f"the report date {day:%d/%m/%Y} ({source}) {reason}",
                   value=found.text if found else path.name, expected=PLAUSIBLE)
        return None, ""
    return day, source


PLAUSIBLE = ("the day the report was made, written as 19/6/2026 or 'ngày 19 tháng 6 năm 2026' (and the same date in"
             " the file name, if it has one); correct the date and drop the file again")


def implausible(day: date, today: date, days_ahead: int = 7) -> str | None:
    """Why ``day`` cannot be a report date, or None: before the province existed, or more than ``days_ahead``
    days after today (``CHISO_INBOX_REPORT_DAYS_AHEAD``)."""
    if day < EARLIEST:
        return f"is before {EARLIEST:%d/%m/%Y}, when the merged province began; no annex reports on an earlier day"
    if day > today + timedelta(days=days_ahead):
        return (f"is more than {days_ahead} days after today ({today:%d/%m/%Y}); a report cannot be dated that far"
                " ahead (CHISO_INBOX_REPORT_DAYS_AHEAD)")
    return None


def _labelled(sheets: list[Sheet], errors: Issues) -> Found | None:
    """A cell "Ngày báo cáo: 19/6/2026", or "Ngày báo cáo" with the date in the next cell to the right."""
    for sheet in sheets:
        for (row, col), value in sorted(sheet.cells.items()):
            text = key(value)
            if not text.startswith(REPORT_DATE_LABEL):
                continue
            rest = text[len(REPORT_DATE_LABEL):].strip(" :")
            if rest:
                return _parse(sheet, row, col, rest, clean(value), errors)
            unsaved = {c: f for (r, c), f in sheet.unsaved_formulas.items() if r == row and c > col}
            right = min([c for c in sheet.row_cells(row) if c > col] + list(unsaved), default=None)
            if right in unsaved:
                errors.add(sheet.name, row, right, unsaved_formula_message(address(right, row), unsaved[right]),
                           value=unsaved[right])
                return None
            if right is not None:
                return _parse(sheet, row, right, sheet.value(row, right), clean(sheet.value(row, right)), errors)
    return None


def _caption(blocks: list[Block], errors: Issues) -> Found | None:
    """The first "ngày … tháng … năm …" in the rows above the first table (the "Ban hành kèm theo …" line)."""
    if not blocks:
        return None
    sheet = blocks[0].sheet
    for row in range(1, blocks[0].stt_row):
        for col, value in sheet.row_cells(row).items():
            match = LONG_DATE.search(key(value))
            if match:
                return _found(sheet, row, col, match, clean(value), errors)
    return None


def _parse(sheet: Sheet, row: int, col: int, value: object, shown: str, errors: Issues) -> Found | None:
    if isinstance(value, (datetime, date)):
        day = value.date() if isinstance(value, datetime) else value
        return Found(day, sheet.name, row, col, f"{day:%d/%m/%Y}")
    text = key(value)
    match = LONG_DATE.search(text) or SHORT_DATE.fullmatch(text)
    if match is None:
        errors.add(sheet.name, row, col, "the report date cannot be read", value=shown,
                   expected="a date such as 19/6/2026 or 'ngày 19 tháng 6 năm 2026'")
        return None
    return _found(sheet, row, col, match, shown, errors)


def _found(sheet: Sheet, row: int, col: int, match: re.Match[str], shown: str, errors: Issues) -> Found | None:
    day, month, year = (int(g) for g in match.groups())
    try:
        return Found(date(year, month, day), sheet.name, row, col, shown)
    except ValueError:
        errors.add(sheet.name, row, col, f"the report date {day}/{month}/{year} is not a calendar date", value=shown)
        return None


def _from_file_name(path: Path, errors: Issues) -> date | None:
    _, text = file_name_parts(path)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(None, None, None, f"the date {text} in the file name is not a calendar date",
                   value=path.name, expected="<template>_YYYY-MM-DD.xlsx")
        return None


def _report_missing(sheets: list[Sheet], blocks: list[Block], errors: Issues) -> None:
    sheet = blocks[0].sheet if blocks else (sheets[0] if sheets else None)
    if sheet is None:
        return
    last = blocks[0].stt_row - 1 if blocks else sheet.max_row
    first_row = min((r for r in range(1, last + 1) if not sheet.is_blank(r)), default=1)
    first_col = min(sheet.row_cells(first_row), default=1)
    errors.add(sheet.name, first_row, first_col,
               f"no report date: rows {first_row}–{max(first_row, last)} above the first table have no"
               " 'ngày … tháng … năm …', no cell says 'Ngày báo cáo', and the file name has no date",
               expected="a caption such as '(Ban hành kèm theo Báo cáo số …, ngày 19 tháng 6 năm 2026 …)',"
                        " or a file name such as phu_luc_v_2026-06-19.xlsx")
