"""Read a matched table's data rows into figures: one per number cell, keyed by its section, row label and column."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils import get_column_letter

from extract.filedrop.issues import Issues
from extract.filedrop.numbers import NumberFormatError, parse_count, parse_percent, read_number
from extract.filedrop.tables import Block, ColumnMap
from extract.filedrop.templates import Key, RowSpec, SectionSpec
from extract.filedrop.text import clean, looks_like_stt
from extract.filedrop.windows import Window
from extract.filedrop.workbook import address

EXPECTED = {
    "count": "a whole number ≥ 0 in Vietnamese format (1.600 or 1600), '-' for nothing reported, or an empty cell",
    "percent": "a percentage from 0 to 100 (95,88 % or 95,88), '-' for nothing reported, or an empty cell",
}
PARSERS = {"count": parse_count, "percent": parse_percent}


@dataclass(frozen=True)
class Stated:
    """A text of the sheet that states a period (a column header, a section title), as written, and its cell."""

    text: str
    cell: str


@dataclass(frozen=True)
class Figure:
    """One figure of an annex, with the cell it was read from and the texts that say which days it covers."""

    annex: str
    section: str
    level: str
    measure: str
    value: int | Decimal | None  # None: blank, or "-" (nothing reported)
    value_raw: str | None  # the cell as written ("1.600", "-"); None for a blank cell
    sheet: str
    cell: str
    window_header: Stated | None = None  # the header naming the period; None: the template's snapshot
    title: Stated | None = None  # the section title
    window: Window | None = None  # set once the report date is known (figure_windows.py)
    title_window: Window | None = None  # the period the title states for this kind of figure, if any


@dataclass(frozen=True)
class Table:
    """A table being read: where it is, which section it is, how its columns map, where problems go."""

    annex: str
    block: Block
    section: SectionSpec
    columns: ColumnMap
    errors: Issues
    warnings: Issues
    title: Stated | None = None

    def error(self, row: int, col: int | None, message: str, **detail: object) -> None:
        self.errors.add(self.block.sheet.name, row, col, f"{message} in section {self.section.code}", **detail)


@dataclass(frozen=True)
class _Label:
    """A row label read from a cell."""

    spec: RowSpec
    row: int
    col: int


def read_rows(table: Table, stop_row: int) -> tuple[list[Figure], int]:
    """The figures of the table's rows, from below its header down to where the table ends, and that end row
    (a footnote or title, read as the end; or ``stop_row``)."""
    rows, end = table_rows(table, stop_row)
    return (_labelled(table, rows) if table.section.rows else _single(table, rows)), end


def table_rows(table: Table, stop_row: int) -> tuple[list[int], int]:
    """The non-blank rows of the table and the row it ends at: a footnote, a title or the next table."""
    block, columns, rows = table.block, table.columns, []
    for row in range(columns.header_rows[-1] + 1, stop_row):
        cells = block.sheet.row_cells(row)
        if not cells:
            continue
        if _ends_table(block, cells):
            return rows, row
        for col, value in cells.items():
            if col not in columns.headers or not columns.headers[col].labels:
                table.error(row, col, "a value outside the table (no header above it)", value=clean(value),
                            expected=f"values only in columns {get_column_letter(block.stt_col)}"
                                     f"–{get_column_letter(columns.last_col)}")
        rows.append(row)
    return rows, stop_row


def _ends_table(block: Block, cells: dict[int, object]) -> bool:
    """A footnote, note or title: text at or left of the STT column only, and not a row number."""
    if max(cells) > block.stt_col:
        return False
    stt = cells.get(block.stt_col)
    return not (len(cells) == 1 and stt is not None and looks_like_stt(stt))


def _single(table: Table, rows: list[int]) -> list[Figure]:
    """A section with one row of figures (V.1, V.2): the levels are columns."""
    sheet, columns = table.block.sheet, table.columns
    data = [r for r in rows if any(c in columns.numbers for c in sheet.row_cells(r))]
    if not data:
        table.error(columns.header_rows[-1] + 1, table.block.stt_col, "no row of figures under the header",
                    expected="one row numbered 1 with a value (or '-') in every column")
        return []
    for extra in data[1:]:
        table.error(extra, min(sheet.row_cells(extra)), f"a second row of figures (the first is row {data[0]})",
                    expected="one row of figures")
    return _figures(table, data[0], Key())


def _figures(table: Table, row: int, row_key: Key) -> list[Figure]:
    sheet, out = table.block.sheet, []
    for col, spec in sorted(table.columns.numbers.items()):
        raw = sheet.value(row, col)
        percent_cell = (row, col) in sheet.percent_cells
        try:
            value = PARSERS[spec.kind](raw, percent_format=percent_cell)
        except NumberFormatError as exc:
            table.error(row, col, f"not a valid {spec.kind}: {exc}", value=clean(raw), expected=EXPECTED[spec.kind])
            continue
        out.append(_figure(table, row_key, col, value, _as_written(raw, value, percent_cell), address(col, row)))
    return out


def _figure(table: Table, row_key: Key, col: int, value: int | Decimal | None, raw: str | None,
            cell: str) -> Figure:
    spec = table.columns.numbers[col]
    key = table.section.key.merge(row_key, spec.key)
    header = None
    if spec.reads_window:
        origin_row, origin_col = table.columns.headers[col].origins[-1]
        header = Stated(table.block.sheet.text(origin_row, origin_col), address(origin_col, origin_row))
    return Figure(table.annex, table.section.code, key.level, key.measure, value, raw, table.block.sheet.name, cell,
                  header, table.title)


def _as_written(raw: object, value: object, percent_cell: bool) -> str | None:
    """The cell as the owner saw it: the text typed, or the number (with % where Excel shows one)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return clean(raw)
    return f"{value}%" if percent_cell else str(raw)


def _labelled(table: Table, rows: list[int]) -> list[Figure]:
    """Rows keyed by a label: in the label column, or alone on a row with the numbers on the next row."""
    figures: list[Figure] = []
    seen: dict[RowSpec, int] = {}
    pending: _Label | None = None
    for row in rows:
        kind = _classify(table, row)
        if kind is None:  # unusable row, already reported
            pending = None
            continue
        label, has_numbers = kind
        if label is None:
            if has_numbers and pending is None:
                _orphan_numbers(table, row)
            elif has_numbers:
                figures += _figures(table, row, pending.spec.key)
                pending = None
            continue
        figures += _unreported(table, pending)
        pending = None
        if _first_time(table, label, seen):
            if has_numbers:
                figures += _figures(table, row, label.spec.key)
            else:
                pending = label
    figures += _unreported(table, pending)
    _report_missing_rows(table, seen)
    return figures


def _first_time(table: Table, label: _Label, seen: dict[RowSpec, int]) -> bool:
    """Record a level (or total) row; a second row for the same level, or a second total, is an error."""
    if label.spec in seen:
        total = label.spec.key.level == "total"
        what = "a total row" if total else f"row '{label.spec.label.text}'"
        table.error(label.row, label.col, f"{what} appears twice (first at row {seen[label.spec]})",
                    value=clean(table.block.sheet.value(label.row, label.col)),
                    expected="at most one total row" if total else "one row per level")
        return False
    seen[label.spec] = label.row
    return True


def _unreported(table: Table, label: _Label | None) -> list[Figure]:
    """A row label with no numbers under it (Cấp Trung ương in V.3): blank figures, traced to the label cell."""
    if label is None:
        return []
    return [_figure(table, label.spec.key, col, None, None, address(label.col, label.row))
            for col in sorted(table.columns.numbers)]


def _classify(table: Table, row: int) -> tuple[_Label | None, bool] | None:
    """(the row's label if any, whether it has numbers); None when the row is unusable (error recorded)."""
    columns, section = table.columns, table.section
    cells = table.block.sheet.row_cells(row)
    numbers = {c: v for c, v in cells.items() if c in columns.numbers}
    if columns.label_col is not None:
        if columns.label_col not in cells:
            return None, bool(numbers)
        label = _row_label(table, row, columns.label_col)
        return None if label is None else (label, bool(numbers))
    first = min(columns.numbers, default=None)
    value = numbers.get(first)
    if not isinstance(value, str) or _is_number(value):
        return None, bool(numbers)
    if len(numbers) > 1:
        if not any(s.label.matches(value) for s in section.rows):
            return None, True  # text in a number cell: reported where the numbers are read
        table.error(row, first, "a row label in a number column, with numbers beside it", value=clean(value),
                    expected="the label alone on its row and the numbers on the next row (empty STT), or a "
                             f"'{section.label_column.text if section.label_column else 'Cấp'}' column")
        return None
    label = _row_label(table, row, first)
    return None if label is None else (label, False)


def _row_label(table: Table, row: int, col: int) -> _Label | None:
    value = table.block.sheet.value(row, col)
    spec = next((s for s in table.section.rows if s.label.matches(value)), None)
    if spec is None:
        options = ", ".join(f"'{s.label.text}'" for s in table.section.rows)
        table.error(row, col, "unknown row label", value=clean(value), expected=f"one of {options}")
        return None
    return _Label(spec, row, col)


def _is_number(value: str) -> bool:
    try:
        read_number(value)
    except NumberFormatError:
        return False
    return True


def _orphan_numbers(table: Table, row: int) -> None:
    columns = table.columns
    where = (f"column {get_column_letter(columns.label_col)} of this row" if columns.label_col
             else "the row above, alone in its row")
    first = min(c for c in table.block.sheet.row_cells(row) if c in columns.numbers)
    table.error(row, first, "numbers without a row label",
                expected=f"a label such as '{table.section.rows[0].label.text}' in {where}")


def _report_missing_rows(table: Table, seen: dict[RowSpec, int]) -> None:
    block, columns, section = table.block, table.columns, table.section
    col = columns.label_col or min(columns.numbers, default=block.stt_col + 1)
    levels = [s for s in section.rows if s.required]
    for spec in levels:
        if spec not in seen:
            table.error(block.stt_row, col, f"no row '{spec.label.text}' (table headed at row {block.stt_row})",
                        expected="one row per label: " + ", ".join(f"'{s.label.text}'" for s in levels))
