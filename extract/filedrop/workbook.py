"""Read an XLSX workbook or a CSV file into sheets of cell values, the same shape for both, within size limits."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from extract.filedrop.guard import FileReadError, Limits, check_workbook, read_dropped
from extract.filedrop.text import clean, is_stt_header

CSV_DELIMITERS = (",", ";", "\t")


@dataclass
class Sheet:
    """One sheet's non-empty cells by (row, column), 1-based; a merged range keeps its value in its top-left cell."""

    name: str
    cells: dict[tuple[int, int], object]
    merged_into: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # covered cell -> top-left
    percent_cells: frozenset[tuple[int, int]] = frozenset()  # numbers Excel shows with a % format
    unsaved_formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # formulas without a saved result
    _rows: dict[int, dict[int, object]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rows = {}
        for (r, c), v in sorted(self.cells.items()):
            self._rows.setdefault(r, {})[c] = v

    @property
    def max_row(self) -> int:
        return max(self._rows, default=0)

    def value(self, row: int, col: int) -> object:
        return self.cells.get((row, col))

    def text(self, row: int, col: int) -> str:
        return clean(self.cells.get((row, col)))

    def row_cells(self, row: int) -> dict[int, object]:
        """The non-empty cells of ``row`` by column."""
        return self._rows.get(row, {})

    def is_blank(self, row: int) -> bool:
        return not self.row_cells(row)


def address(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


def read_sheets(path: Path, *, data: bytes | None = None, limits: Limits = Limits()) -> list[Sheet]:
    """The visible sheets of an .xlsx file, or the single sheet of a .csv file (named after the file, as Excel does);
    ``data``: the file's bytes, already read (else they are read from ``path``, a link not followed)."""
    if data is None:
        data, _ = read_dropped(path, limits)
    if path.suffix.lower() == ".csv":
        return [read_csv(path, data, limits)]
    return read_xlsx(data, limits)


def read_xlsx(data: bytes, limits: Limits = Limits()) -> list[Sheet]:
    check_workbook(data, limits)
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)  # cached results of formulas, as the owner saw
        formulas = load_workbook(io.BytesIO(data), data_only=False)  # which cells hold formulas (unsaved results)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise FileReadError(f"not a readable .xlsx workbook ({exc}); save it again from Excel as .xlsx") from None
    except (ParseError, ValueError) as exc:  # the guard refuses unsafe XML first; defusedxml is the second wall
        cause = exc.__cause__ or exc  # openpyxl wraps what its XML parser raised
        if not isinstance(cause, (ParseError, DefusedXmlException)):
            raise
        raise FileReadError(f"a part of the workbook is not well-formed or safe XML ({cause}); save it again from"
                            " Excel as .xlsx") from None
    sheets = [_sheet(ws, formulas[ws.title]) for ws in workbook.worksheets if ws.sheet_state == "visible"]
    workbook.close()
    formulas.close()
    return sheets


def unsaved_formula_message(cell: str, formula: str) -> str:
    """What to tell the owner about a formula whose result the file does not hold."""
    return (f"cell {cell} holds a formula ({formula}) with no saved result; open the file in Excel or LibreOffice,"
            " recalculate (F9) and save it, then drop it again")


def _sheet(ws, formula_ws) -> Sheet:
    cells: dict[tuple[int, int], object] = {}
    percent: set[tuple[int, int]] = set()
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            cells[(cell.row, cell.column)] = value
            if isinstance(value, (int, float)) and "%" in (cell.number_format or ""):
                percent.add((cell.row, cell.column))
    merged: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    merged[(r, c)] = (rng.min_row, rng.min_col)
    return Sheet(ws.title, cells, merged, frozenset(percent), _unsaved_formulas(ws, formula_ws))


def _unsaved_formulas(ws, formula_ws) -> dict[tuple[int, int], str]:
    """Formula cells whose cached result is missing: a workbook written by a script, or saved without
    recalculating. Read with ``data_only`` they look empty; a cached empty text (t="str") is a real result."""
    out = {}
    for row in formula_ws.iter_rows():
        for cell in row:
            if cell.data_type != "f":
                continue
            cached = ws.cell(cell.row, cell.column)
            if cached.value is None and cached.data_type != "s" and cached.data_type != "str":
                formula = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None)
                out[(cell.row, cell.column)] = str(formula or "=…")
    return out


def read_csv(path: Path, data: bytes, limits: Limits = Limits()) -> Sheet:
    """A CSV saved by Excel or by hand: UTF-8 with or without BOM, separated by ',', ';' or tab."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise FileReadError("the file is not UTF-8 text; in Excel use 'Save As' > 'CSV UTF-8 (Comma delimited)'",
                            row=row) from None
    try:
        return Sheet(path.stem, _csv_cells(path.stem, text, limits))
    except csv.Error as exc:  # a field longer than csv.field_size_limit(), a NUL byte
        raise FileReadError(f"the CSV cannot be read ({exc}); in Excel use 'Save As' > 'CSV UTF-8 (Comma"
                            " delimited)'") from None


def _csv_cells(sheet: str, text: str, limits: Limits) -> dict[tuple[int, int], str]:
    """The non-empty cells, reading no further than ``limits`` allow (rows × the widest row so far)."""
    cells: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)), start=1):
        filled = {(r, c): v.strip() for c, v in enumerate(row, start=1) if v.strip()}
        width = max(width, max((c for _, c in filled), default=0))
        if r > limits.max_rows or r * width > limits.max_cells:
            raise FileReadError(limits.too_wide(r, width), row=r, sheet=sheet)
        cells.update(filled)
    return cells


def _delimiter(text: str) -> str:
    """The separator that splits the "STT" header rows into the most cells (titles may contain commas)."""
    def score(delimiter: str) -> tuple[int, int]:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        headers = [row for row in rows if any(is_stt_header(v) for v in row)]
        return len(headers), sum(1 for row in headers for v in row if v.strip())

    return max(CSV_DELIMITERS, key=score)
