"""Parse one dropped file: detect its template, read every section into figures, find its report date."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from extract.filedrop.issues import Issues
from extract.filedrop.report_date import file_name_parts, find_report_date
from extract.filedrop.rows import Figure, Table, read_rows
from extract.filedrop.tables import Block, ColumnMap, find_blocks, is_ignored, match_columns, section_of
from extract.filedrop.templates import TEMPLATES, SectionSpec, Template
from extract.filedrop.text import clean, key
from extract.filedrop.workbook import FileReadError, read_sheets

_MONTHS_OF_YEAR = re.compile(r"(\d{1,2}) tháng đầu năm")


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


def parse_file(path: Path, *, report_date_override: date | None = None) -> ParsedFile:
    """Parse ``path`` (.xlsx or .csv); every problem found is in ``errors`` (up to the limit), not raised."""
    parsed = ParsedFile(path, Issues(path.name), Issues(path.name))
    try:
        sheets = read_sheets(path)
    except FileReadError as exc:
        sheet = path.stem if path.suffix.lower() == ".csv" else None  # a CSV's one sheet is named after the file
        parsed.errors.add(sheet, exc.row, None, str(exc))
        return parsed
    blocks = [b for sheet in sheets for b in find_blocks(sheet)]
    parsed.template = detect_template(blocks, path, parsed.errors)
    if parsed.template is None:
        return parsed
    _read_sections(parsed.template, blocks, parsed)
    if report_date_override is not None:
        parsed.report_date, parsed.report_date_source = report_date_override, "given by the operator"
    else:
        parsed.report_date, parsed.report_date_source = find_report_date(sheets, blocks, path, parsed.errors)
    return parsed


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


def _read_sections(template: Template, blocks: list[Block], parsed: ParsedFile) -> None:
    found: dict[str, Block] = {}
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
        table = Table(template.annex, block, section, columns, parsed.errors, parsed.warnings)
        parsed.figures += read_rows(table, _stop_row(blocks, i))
        _check_title_window(block, section, columns, parsed.warnings)
    for section in template.sections:
        if section.code not in found:
            parsed.errors.add(None, None, None, f"section {section.code} ('{section.title.text}') not found",
                              expected="a table headed 'STT | " + " | ".join(dict.fromkeys(
                                  label.text for label in section.top_labels)) + "'")


def _stop_row(blocks: list[Block], i: int) -> int:
    following = blocks[i + 1] if i + 1 < len(blocks) else None
    if following is not None and following.sheet is blocks[i].sheet:
        return following.stt_row
    return blocks[i].sheet.max_row + 1


def _check_title_window(block: Block, section: SectionSpec, columns: ColumnMap, warnings: Issues) -> None:
    """Phụ lục V.3's title says "6 tháng đầu năm 2026" while its columns say "5 tháng đầu năm": keep the columns'."""
    title = block.title()
    said = _MONTHS_OF_YEAR.search(key(title[2])) if title else None
    headers = {m.group(0) for h in columns.headers.values() for label in h.labels
               for m in [_MONTHS_OF_YEAR.search(key(label))] if m}
    if said and headers and said.group(0) not in headers:
        warnings.add(block.sheet.name, title[0], title[1], f"section {section.code}'s title says '{said.group(0)}'"
                     f" but its columns say '{', '.join(sorted(headers))}'; the figures keep the columns' window"
                     " (ytd = since 1 January)", value=title[2])
