"""Render one dataset as an XLSX workbook that Excel, LibreOffice Calc and openpyxl all read back exactly.

The data sheet has two header rows, the Vietnamese labels above the machine names of the CSV and JSON, then one
row per record with typed numbers and dates; the Metadata sheet holds the dataset's record and a table of its
columns, wrapped, with row heights set (LibreOffice does not grow a row to fit its text when it opens a file).

Text is written so that no reader decodes part of it as an ``_xHHHH_`` escape (see :func:`xlsx_text`), and output
is a pure function of the rows and the metadata: no clock, so the same marts give byte-identical files.
"""

from __future__ import annotations

import io
import itertools
import re
import textwrap
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from publish.catalogue import FREQUENCIES, LICENSES, Dataset
from publish.writers import csv_cell

DATA_SHEET = "Dữ liệu"
METADATA_SHEET = "Metadata"
#: The data sheet: the fields' Vietnamese labels, then their machine names (the CSV header), then the records.
LABEL_ROW, NAME_ROW, FIRST_DATA_ROW = 1, 2, 3

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_NAME_FONT = Font(color="1F4E78")
_NAME_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_NUMBER_FORMATS = {"count": "#,##0", "rate": "0.00", "year": "0", "measure": "General"}
#: Metadata sheet columns: the record uses A–C (property, Vietnamese, English), the column table A–G.
_METADATA_WIDTHS = (40, 44, 44, 12, 14, 60, 60)
_LABEL_WIDTH = 24  # a data column is widened up to this many characters for its label; a longer one wraps
#: Wrapped text, in Excel's units (a column width counts the digit 0 of the default 11-point font): characters
#: of running text per line and unit of width, regular and bold, some 15 % under what LibreOffice fits with the
#: wide DejaVu Sans (measured; tests/test_xlsx_libreoffice.py compares every row with the height it computes);
#: a line takes 15 points, Excel's own row for one line of 11-point Calibri.
_CHARS_PER_WIDTH = {False: 1.0, True: 0.9}
_LINE_POINTS = 15.0
_ROW_PADDING_POINTS = 2.0

#: The underscore that opens what a reader would decode as an escape (ECMA-376 ST_Xstring): Excel decodes ``_x``,
#: four hex digits and ``_``; LibreOffice (7.4, measured) also one to three digits when they name a control
#: character (0–1F) or the underscore (5F), so ``ld_xa_22918`` shows as ``ld``, a line break, ``22918``.
_ESCAPE_LIKE = re.compile(r"_(?=x([0-9A-Fa-f]{1,4})_)")
_SHORT_ESCAPES = frozenset([*range(0x20), 0x5F])
#: What XML 1.0 cannot carry in a cell, or carries changed (a carriage return is read back as a line feed).
_UNCARRIABLE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


class XlsxError(ValueError):
    """A value cannot be written to the workbook as it is; the message names the file, sheet, row and column."""


def xlsx_text(text: str) -> str | CellRichText:
    """``text`` as a cell value that Excel, LibreOffice and openpyxl (pandas) all read back unchanged.

    A reader decodes escapes within each text run (``<t>``) on its own, so a text holding an escape-like sequence
    is cut into runs just after each underscore that opens one: no run holds a sequence, and the runs, joined, are
    ``text``. The spec's other way, writing that underscore as ``_x005F_``, is read back by openpyxl (and so
    pandas) as the six characters ``_x005F_``; a text that needs nothing is written as is.
    """
    cuts = [m.start() + 1 for m in _ESCAPE_LIKE.finditer(text)
            if len(m.group(1)) == 4 or int(m.group(1), 16) in _SHORT_ESCAPES]
    if not cuts:
        return text
    bounds = [0, *cuts, len(text)]
    return CellRichText([text[start:end] for start, end in itertools.pairwise(bounds)])


def render_xlsx(ds: Dataset, rows: Sequence[tuple], rows_suppressed: int) -> bytes:
    """A workbook with the data (two styled header rows, frozen, filters, widths, typed numbers) and its metadata.

    Document properties are Dublin Core text, which neither Excel nor LibreOffice decodes: written as they are.
    """
    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    _write_data(data, ds, rows)
    _write_metadata(wb.create_sheet(METADATA_SHEET), ds, len(rows), rows_suppressed)
    wb.properties.creator = ds.publisher.name.vi
    wb.properties.title = ds.title.vi
    wb.properties.identifier = ds.uri
    wb.properties.language = "vi"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _without_timestamps(buffer.getvalue())


def _write_row(ws: Worksheet, row: int, values: Sequence[object], file: str, columns: Sequence[str]) -> None:
    """Write one row of values; text is made safe (:func:`xlsx_text`), a character no cell can hold is refused."""
    for col, value in enumerate(values, start=1):
        if isinstance(value, str) and (bad := _UNCARRIABLE.search(value)):
            raise XlsxError(f"{file}, sheet {ws.title!r}, row {row}, column {get_column_letter(col)}"
                            f" ({columns[col - 1]}): {value!r} holds U+{ord(bad.group()):04X}, which an XLSX cell"
                            " cannot hold or gives back changed; remove it from the mart")
        ws.cell(row, col, _cell(value))


def _cell(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return xlsx_text(value)
    return value


def _write_data(ws: Worksheet, ds: Dataset, rows: Sequence[tuple]) -> None:
    file, names = f"{ds.code}.xlsx", [f.name for f in ds.fields]
    _write_row(ws, LABEL_ROW, [f.title.vi for f in ds.fields], file, names)
    _write_row(ws, NAME_ROW, names, file, names)
    for number, row in enumerate(rows, start=FIRST_DATA_ROW):
        _write_row(ws, number, row, file, names)
    widths = [_data_width(f.title.vi, f.name, (r[col] for r in rows)) for col, f in enumerate(ds.fields)]
    for col, (field, width) in enumerate(zip(ds.fields, widths, strict=True), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        number_format = "yyyy-mm-dd" if field.table_type == "date" else _NUMBER_FORMATS.get(field.kind)
        if number_format:
            for (cell,) in ws.iter_rows(min_row=FIRST_DATA_ROW, min_col=col, max_col=col):
                cell.number_format = number_format
    _style(ws[LABEL_ROW], _HEADER_FONT, _HEADER_FILL, _WRAP)
    _style(ws[NAME_ROW], _NAME_FONT, _NAME_FILL, Alignment(vertical="top"))
    _fit_height(ws, LABEL_ROW, widths, bold=True)  # the names and the records keep to one line
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{NAME_ROW}:{get_column_letter(len(ds.fields))}{NAME_ROW + len(rows)}"


def _data_width(label: str, name: str, values: Iterable[object]) -> float:
    """Wide enough for the machine name, every value and the label's longest word; the label wraps beyond."""
    longest_word = max((len(word) for word in label.split()), default=0)
    content = max([len(name), longest_word, min(len(label), _LABEL_WIDTH)] + [len(csv_cell(v)) for v in values])
    return min(max(content + 2, 8), 60)


def _style(cells: Iterable, font: Font, fill: PatternFill, alignment: Alignment) -> None:
    for cell in cells:
        cell.font, cell.fill, cell.alignment = font, fill, alignment


def _fit_height(ws: Worksheet, row: int, widths: Sequence[float], *, bold: bool) -> None:
    """Set the row's height to its tallest cell, each cell's text wrapped within its column's width."""
    lines = max([_lines(str(cell.value), widths[cell.column - 1], bold)
                 for cell in ws[row] if cell.value not in (None, "")] or [1])
    ws.row_dimensions[row].height = round(lines * _LINE_POINTS + _ROW_PADDING_POINTS, 1)


def _lines(text: str, width: float, bold: bool) -> int:
    """How many lines ``text`` takes wrapped at word breaks in a column ``width`` wide (a long word is cut)."""
    per_line = max(1, int((width - 1) * _CHARS_PER_WIDTH[bold]))
    return sum(len(textwrap.wrap(part, per_line, break_on_hyphens=False)) or 1 for part in text.split("\n"))


def _write_metadata(ws: Worksheet, ds: Dataset, rows: int, rows_suppressed: int) -> None:
    file = f"{ds.code}.xlsx"
    record_header = ["Thuộc tính / Property", "Tiếng Việt", "English"]
    record = metadata_rows(ds, rows, rows_suppressed)
    for row, values in enumerate([record_header, *record], start=1):
        _write_row(ws, row, values, file, record_header)
    header_row = len(record) + 3  # after one blank row
    table_header = ["Cột / Column", "Nhãn cột (hàng 1 trang Dữ liệu)", "Column label", "Kiểu / Type",
                    "Đơn vị / Unit", "Mô tả", "Description"]
    _write_row(ws, header_row, table_header, file, table_header)
    for row, f in enumerate(ds.fields, start=header_row + 1):
        _write_row(ws, row, [f.name, f.title.vi, f.title.en, f.table_type, f.unit.vi if f.unit else "",
                             f.description.vi, f.description.en], file, table_header)
    for letter, width in zip("ABCDEFG", _METADATA_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = _WRAP
    _style(ws[1][:len(record_header)], _HEADER_FONT, _HEADER_FILL, _WRAP)
    _style(ws[header_row], _HEADER_FONT, _HEADER_FILL, _WRAP)
    for row in range(1, ws.max_row + 1):
        if row != header_row - 1:  # the blank row between the record and the column table keeps its height
            _fit_height(ws, row, _METADATA_WIDTHS, bold=row in (1, header_row))
    ws.freeze_panes = "A2"


def metadata_rows(ds: Dataset, rows: int, rows_suppressed: int) -> list[tuple[str, str, str]]:
    """The dataset's Dublin Core / DCAT record as (label, Vietnamese, English) rows, without timestamps."""
    licence_url, licence_title, _ = LICENSES[ds.license_id]
    _, freq_vi, freq_en = FREQUENCIES[ds.update_frequency]
    period = f"{ds.temporal_start or ''} – {ds.temporal_end or ''}"
    return [
        ("Định danh / Identifier", ds.code, ds.uri),
        ("Tiêu đề / Title", ds.title.vi, ds.title.en),
        ("Mô tả / Description", ds.description.vi, ds.description.en),
        ("Chủ đề / Subject", ds.topic.vi, ds.topic.en),
        ("Từ khóa / Keywords", "; ".join(ds.keywords), "; ".join(ds.keywords)),
        ("Cơ quan công bố / Publisher", ds.publisher.name.vi, ds.publisher.name.en),
        ("Người tạo / Creator", ds.creator.name.vi, ds.creator.name.en),
        ("Người cộng tác / Contributor", ds.contributor.name.vi, ds.contributor.name.en),
        ("Nguồn / Source", f"marts.{ds.source_model}: {ds.source.vi}", f"marts.{ds.source_model}: {ds.source.en}"),
        ("Ngôn ngữ / Language", "vi, en", "vi, en"),
        ("Giấy phép / Licence", f"{ds.license_id} ({licence_url})", f"{licence_title} ({licence_url})"),
        ("Phạm vi thời gian / Temporal coverage", period, period),
        ("Phạm vi không gian / Spatial coverage", ds.spatial, ds.spatial),
        ("Tần suất cập nhật / Update frequency", freq_vi, freq_en),
        ("Cấp chi tiết / Grain", ds.grain.vi, ds.grain.en),
        ("Số dòng / Rows", str(rows), str(rows)),
        ("Dòng có ô để trống / Rows with suppressed cells", str(rows_suppressed), str(rows_suppressed)),
        ("Dữ liệu mô phỏng / Synthetic", "có" if ds.is_synthetic else "không", "yes" if ds.is_synthetic else "no"),
    ]


def _without_timestamps(xlsx: bytes) -> bytes:
    """Re-pack the workbook with fixed zip dates and no created/modified properties: same rows, same bytes."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(b"", content)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()
