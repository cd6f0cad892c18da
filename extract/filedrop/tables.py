"""Find the tables of a sheet by their "STT" header cell and match their (multi-row, merged) headers to a section."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from extract.filedrop.issues import Issues
from extract.filedrop.templates import NOTES, ColumnSpec, Label, SectionSpec
from extract.filedrop.text import clean, is_stt_header
from extract.filedrop.workbook import Sheet

TITLE_LOOKBACK = 3  # a section title sits at most this many rows above its table


@dataclass(frozen=True)
class Block:
    """A table: the sheet, and the row and column of its "STT" header cell."""

    sheet: Sheet
    stt_row: int
    stt_col: int

    def top_labels(self) -> list[object]:
        return [v for c, v in self.sheet.row_cells(self.stt_row).items() if c > self.stt_col]

    def title(self, expected: Label | None = None) -> tuple[int, int, str] | None:
        """The section title above the table (row, column, text): the nearest row that reads as ``expected``
        (a "Ngày báo cáo" line may sit between title and table), else the nearest text row."""
        rows = []
        for row in range(self.stt_row - 1, max(0, self.stt_row - 1 - TITLE_LOOKBACK), -1):
            cells = self.sheet.row_cells(row)
            if cells:
                rows.append((row, min(cells), " ".join(clean(v) for v in cells.values())))
        if expected is not None:
            return next((r for r in rows if expected.matches(r[2])), rows[0] if rows else None)
        return rows[0] if rows else None


@dataclass
class HeaderColumn:
    """One column's header path, top row first, with the cell each label was read from."""

    col: int
    labels: list[str] = field(default_factory=list)
    origins: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class ColumnMap:
    """How a table's columns map to a section: number columns, the optional label column, where rows start."""

    header_rows: list[int]
    last_col: int
    numbers: dict[int, ColumnSpec]
    label_col: int | None
    notes_cols: set[int]
    headers: dict[int, HeaderColumn]


def find_blocks(sheet: Sheet) -> list[Block]:
    blocks = []
    for row in range(1, sheet.max_row + 1):
        for col, value in sheet.row_cells(row).items():
            if is_stt_header(value):
                blocks.append(Block(sheet, row, col))
                break
    return blocks


def header_rows(block: Block, depth: int) -> list[int]:
    """The "STT" row and the rows below it that continue the header (empty STT cell, not blank), up to ``depth``."""
    rows = [block.stt_row]
    row = block.stt_row + 1
    while len(rows) < depth and not block.sheet.is_blank(row) and _stt_empty(block, row):
        rows.append(row)
        row += 1
    return rows


def _stt_empty(block: Block, row: int) -> bool:
    origin = block.sheet.merged_into.get((row, block.stt_col))
    return block.sheet.value(row, block.stt_col) is None or origin == (block.stt_row, block.stt_col)


def header_paths(block: Block, rows: list[int]) -> dict[int, HeaderColumn]:
    """Each column's labels from the top header row down.

    A merged parent cell (or, as in a CSV saved from merged cells, a parent followed by empty cells) spans the
    columns to its right within its own parent; in the bottom row only real merges span.
    """
    sheet = block.sheet
    cols = [c for r in rows for c in sheet.row_cells(r)]
    cols += [c for (r, c), origin in sheet.merged_into.items() if r in rows and sheet.value(*origin) is not None]
    last = max(cols)
    columns = {c: HeaderColumn(c) for c in range(block.stt_col, last + 1)}
    for i, row in enumerate(rows):
        carry: tuple[tuple[int, int], tuple[str, ...]] | None = None  # (origin, parent labels)
        for col, header in columns.items():
            origin = _origin(sheet, row, col)
            parent = tuple(header.labels)
            if origin is None and i < len(rows) - 1 and carry and carry[1] == parent:
                origin = carry[0]
            if origin is None:
                continue
            if not header.origins or header.origins[-1] != origin:  # a vertical merge repeats the cell above
                header.labels.append(sheet.text(*origin))
                header.origins.append(origin)
            carry = (origin, parent)
    return columns


def _origin(sheet: Sheet, row: int, col: int) -> tuple[int, int] | None:
    if sheet.value(row, col) is not None:
        return row, col
    origin = sheet.merged_into.get((row, col))
    return origin if origin is not None and sheet.value(*origin) is not None else None


def match_columns(block: Block, section: SectionSpec, issues: Issues) -> ColumnMap:
    """Map each header path to the section's columns by text; report unknown, duplicate and missing columns."""
    rows = header_rows(block, section.depth)
    headers = header_paths(block, rows)
    mapping = ColumnMap(rows, max(headers), {}, None, set(), headers)
    for col, header in headers.items():
        if col != block.stt_col and header.labels:
            _place(block, section, header, mapping, issues)
    _report_missing(block, section, mapping, issues)
    return mapping


def _place(block: Block, section: SectionSpec, header: HeaderColumn, mapping: ColumnMap, issues: Issues) -> None:
    name = block.sheet.name
    if len(header.labels) == 1 and NOTES.matches(header.labels[0]):
        mapping.notes_cols.add(header.col)
        return
    if section.label_column and len(header.labels) == 1 and section.label_column.matches(header.labels[0]):
        mapping.label_col = header.col
        return
    spec = next((s for s in section.columns if _path_matches(s.path, header.labels)), None)
    if spec is None:
        _report_unknown(block, section, header, issues)
    elif spec in mapping.numbers.values():
        first = next(c for c, s in mapping.numbers.items() if s == spec)
        row, col = header.origins[-1]
        issues.add(name, row, col, f"duplicate column '{_joined(spec.path)}' (already in column {_letter(first)})",
                   value=header.labels[-1])
    else:
        mapping.numbers[header.col] = spec


def _path_matches(path: tuple[Label, ...], labels: list[str]) -> bool:
    return len(path) == len(labels) and all(p.matches(v) for p, v in zip(path, labels, strict=True))


def _report_unknown(block: Block, section: SectionSpec, header: HeaderColumn, issues: Issues) -> None:
    """Point at the first header cell of the column that no expected header path accepts."""
    for depth, value in enumerate(header.labels):
        fitting = [s for s in section.columns if len(s.path) > depth and _path_matches(s.path[:depth + 1],
                                                                                       header.labels[:depth + 1])]
        if not fitting:
            options = _options(section, header.labels[:depth])
            row, col = header.origins[depth]
            under = f" under '{' › '.join(header.labels[:depth])}'" if depth else ""
            issues.add(block.sheet.name, row, col, f"unknown header{under} in section {section.code}",
                       value=value, expected=f"one of {options}")
            return
    last_row = max(r for r, _ in header.origins)
    row = last_row + 1
    issues.add(block.sheet.name, row, header.col,
               f"header cell is empty under '{' › '.join(header.labels)}' in section {section.code}",
               expected=f"one of {_options(section, header.labels)}")


def _options(section: SectionSpec, prefix: list[str]) -> str:
    texts = []
    for spec in section.columns:
        if len(spec.path) > len(prefix) and _path_matches(spec.path[:len(prefix)], prefix):
            text = spec.path[len(prefix)].text
            if text not in texts:
                texts.append(text)
    if not prefix and section.label_column:
        texts.insert(0, section.label_column.text)
    return ", ".join(f"'{t}'" for t in texts) + f", or '{NOTES.text}'" * (not prefix)


def _report_missing(block: Block, section: SectionSpec, mapping: ColumnMap, issues: Issues) -> None:
    bottom = mapping.header_rows[-1]
    found = set(mapping.numbers.values())
    after = block.stt_col
    for spec in section.columns:
        if spec in found:
            after = next(c for c, s in mapping.numbers.items() if s == spec)
            continue
        issues.add(block.sheet.name, bottom, after + 1, f"missing column '{_joined(spec.path)}' in section "
                   f"{section.code} (expected after column {_letter(after)})")
    if section.label_column_required and mapping.label_col is None:
        issues.add(block.sheet.name, block.stt_row, block.stt_col + 1,
                   f"missing column '{section.label_column.text}' in section {section.code}")


def _joined(path: tuple[Label, ...]) -> str:
    return " › ".join(p.text for p in path)


def _letter(col: int) -> str:
    return get_column_letter(col)


def section_of(block: Block, sections: tuple[SectionSpec, ...]) -> SectionSpec | None:
    """The section whose top headers the table has, else the one its title names."""
    tops = block.top_labels()
    for section in sections:
        if any(label.matches(v) for label in section.top_labels for v in tops):
            return section
    title = block.title()
    for section in sections:
        if title and section.title.matches(title[2]):
            return section
    return None


def is_ignored(block: Block, ignored: tuple[Label, ...]) -> bool:
    return any(label.matches(v) for label in ignored for v in block.top_labels())
