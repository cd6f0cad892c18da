"""Parse one dropped file: detect its template, read every section into figures, find its report date."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl.utils import get_column_letter

from extract.filedrop.figure_windows import date_figures
from extract.filedrop.guard import Limits
from extract.filedrop.issues import Issues
from extract.filedrop.report_date import PLAUSIBLE, file_name_parts, find_report_date, implausible
from extract.filedrop.rows import Figure, Stated, Table, read_rows
from extract.filedrop.tables import Block, find_blocks, is_ignored, match_columns, section_of
from extract.filedrop.templates import TEMPLATES, Template
from extract.filedrop.text import clean, printable
from extract.filedrop.workbook import FileReadError, Sheet, address, read_sheets, unsaved_formula_message

log = logging.getLogger(__name__)
_Span = tuple[Sheet, int, int]  # sheet, first row, row after the last: rows where labels and figures are read


@dataclass
class ParsedFile:
    """What a file holds: its template, report date and figures, or the errors that keep it out of the warehouse."""

    path: Path
    errors: Issues
    warnings: Issues
    template: Template | None = None
    report_date: date | None = None
    report_date_source: str = ""
    figures: list[Figure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.template is not None and self.report_date is not None


def parse_file(path: Path, *, report_date_override: date | None = None, data: bytes | None = None,
               limits: Limits = Limits(), today: date | None = None) -> ParsedFile:
    """Parse ``path`` (.xlsx or .csv; ``data``: its bytes, already read); every problem found is in ``errors`` (up
    to the limit), not raised. Whatever goes wrong reading one file is an error of that file, never of the run."""
    parsed = ParsedFile(path, Issues(path.name), Issues(path.name))
    try:
        _parse(parsed, read_sheets(path, data=data, limits=limits), report_date_override, today or date.today(),
               limits.report_days_ahead)
    except FileReadError as exc:
        sheet = path.stem if path.suffix.lower() == ".csv" else None  # a CSV's one sheet is named after the file
        parsed.errors.add(exc.sheet or sheet, exc.row, exc.column, str(exc))
    except Exception as exc:  # openpyxl on a crafted file, memory: this file is refused, the others still load
        log.exception("annex file %s could not be read", printable(path.name))
        parsed.errors.add(None, None, None, f"the file could not be read ({type(exc).__name__}: {str(exc)[:300]})",
                          expected="an .xlsx workbook saved by Excel or LibreOffice, or a CSV saved as 'CSV UTF-8';"
                                   " save the file again and drop it again (the details are in chiso's log)")
    return parsed


def _parse(parsed: ParsedFile, sheets: list[Sheet], report_date_override: date | None, today: date,
           days_ahead: int) -> None:
    path = parsed.path
    blocks = [b for sheet in sheets for b in find_blocks(sheet)]
    parsed.template = detect_template(blocks, path, parsed.errors)
    if parsed.template is None:
        return
    spans = _read_sections(parsed.template, blocks, parsed)
    if report_date_override is not None:
        parsed.report_date, parsed.report_date_source = report_date_override, "given by the operator"
        reason = implausible(report_date_override, today, days_ahead)
        if reason:
            parsed.errors.add(None, None, None, f"the report date given by the operator,"
                              f" {report_date_override:%d/%m/%Y}, {reason}", expected=PLAUSIBLE)
    else:
        parsed.report_date, parsed.report_date_source = find_report_date(sheets, blocks, path, parsed.errors, today,
                                                                             days_ahead)
    _report_unsaved_formulas(spans, parsed.errors)
    parsed.figures = date_figures(parsed.figures, parsed.report_date, parsed.errors, parsed.warnings)


def detect_template(blocks: list[Block], path: Path, errors: Issues) -> Template | None:
    """The template most of the file's tables belong to (by their top header cells)."""
    def tables_of(template: Template) -> int:
        return sum(1 for b in blocks for s in template.sections
                   if any(label.matches(v) for label in s.top_labels for v in b.top_labels()))

    best = max(TEMPLATES, key=tables_of)
    if tables_of(best) == 0:
        found = "; ".join(f"sheet '{b.sheet.name}' row {b.stt_row}: STT | "
                          + " | ".join(clean(v) for v in b.top_labels()) for b in blocks) or "no 'STT' header cell"
        errors.add(None, None, None, f"no known annex template (found: {found})",
                   expected="; ".join(f"{t.name}: a table headed 'STT | "
                                      + " | ".join(dict.fromkeys(lbl.text for lbl in t.sections[0].top_labels)) + "'"
                                      for t in TEMPLATES))
        return None
    named, _ = file_name_parts(path)
    known = {t.key for t in TEMPLATES}
    if named in known and named != best.key:
        errors.add(None, None, None, f"the file name says template '{named}' but the tables are those of"
                   f" '{best.key}' ({best.name})", value=path.name, expected=f"{best.key}_YYYY-MM-DD{path.suffix}")
    return best


def _read_sections(template: Template, blocks: list[Block], parsed: ParsedFile) -> list[_Span]:
    """Read every section's figures into ``parsed``; the rows each table spans, from its title to its end."""
    found: dict[str, Block] = {}
    spans: list[_Span] = [(blocks[0].sheet, 1, blocks[0].stt_row)] if blocks else []  # captions, the date
    for i, block in enumerate(blocks):
        if is_ignored(block, template.ignored_tables):
            continue
        section = section_of(block, template.sections)
        if section is None:
            parsed.errors.add(block.sheet.name, block.stt_row, block.stt_col, f"a table that is not part of"
                              f" {template.name}", value=" | ".join(clean(v) for v in block.top_labels()),
                              expected="the sections " + ", ".join(s.code for s in template.sections))
            continue
        if section.code in found:
            first = found[section.code]
            parsed.errors.add(block.sheet.name, block.stt_row, block.stt_col, f"section {section.code} appears"
                              f" twice (first in sheet '{first.sheet.name}' at row {first.stt_row})")
            continue
        found[section.code] = block
        columns = match_columns(block, section, parsed.errors)
        title = block.title(section.title)
        stated = Stated(title[2], address(title[1], title[0])) if title else None
        table = Table(template.annex, block, section, columns, parsed.errors, parsed.warnings, stated)
        figures, end = read_rows(table, _stop_row(blocks, i))
        parsed.figures += figures
        spans.append((block.sheet, title[0] if title else block.stt_row, end))
    for section in template.sections:
        if section.code not in found:
            parsed.errors.add(None, None, None, f"section {section.code} ('{section.title.text}') not found",
                              expected="a table headed 'STT | " + " | ".join(dict.fromkeys(
                                  label.text for label in section.top_labels)) + "'")
    return spans


def _stop_row(blocks: list[Block], i: int) -> int:
    following = blocks[i + 1] if i + 1 < len(blocks) else None
    if following is not None and following.sheet is blocks[i].sheet:
        return following.stt_row
    return blocks[i].sheet.max_row + 1


def _report_unsaved_formulas(spans: list[_Span], errors: Issues) -> None:
    """A formula without a saved result reads as an empty cell: refuse it wherever labels or figures are read."""
    reported = {(i.sheet, i.row, i.column, i.message) for i in errors.items}  # the report date's cell, maybe
    cells = sorted({(sheet.name, row, col): formula for sheet, first, end in spans
                    for (row, col), formula in sheet.unsaved_formulas.items() if first <= row < end}.items())
    for (sheet, row, col), formula in cells:
        message = unsaved_formula_message(address(col, row), formula)
        if (sheet, row, get_column_letter(col), message) not in reported:
            errors.add(sheet, row, col, message, value=formula)
