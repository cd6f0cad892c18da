"""Render one dataset as an XLSX workbook that Excel, LibreOffice Calc and openpyxl all read back exactly.

The data sheet has two header rows, the Vietnamese labels above the machine names of the CSV and JSON, then one
row per record with typed numbers and dates; the Metadata sheet holds the dataset's record and a table of its
columns, wrapped, with row heights set (LibreOffice does not grow a row to fit its text when it opens a file).

XlsxWriter writes it in ``constant_memory`` mode: each row goes to the sheet's XML, as inline strings, once the
next one starts, so memory stays flat however long the history; it renders about twice as fast as the openpyxl
writer it replaced, which built a cell object per value (benchmarks/bench_publish.py). Rows are therefore written
top to bottom, and everything a row needs (its height, the column widths) is computed before it.

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
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from publish.catalogue import FREQUENCIES, LICENSES, Dataset
from publish.writers import csv_cell

DATA_SHEET = "Dữ liệu"
METADATA_SHEET = "Metadata"
#: The data sheet: the fields' Vietnamese labels, then their machine names (the CSV header), then the records
#: (row numbers as people see them; XlsxWriter counts from 0).
LABEL_ROW, NAME_ROW, FIRST_DATA_ROW = 1, 2, 3

_BLUE, _PALE_BLUE = "#1F4E78", "#DDEBF7"
_HEADER_STYLE = {"bold": True, "font_color": "#FFFFFF", "bg_color": _BLUE, "pattern": 1, "text_wrap": True,
                 "valign": "top"}
_NAME_STYLE = {"font_color": _BLUE, "bg_color": _PALE_BLUE, "pattern": 1, "valign": "top"}
_WRAP_STYLE = {"text_wrap": True, "valign": "top"}
_NUMBER_FORMATS = {"count": "#,##0", "rate": "0.00", "year": "0"}  # a measure keeps Excel's General
_DATE_FORMAT = "yyyy-mm-dd"
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
#: XlsxWriter always writes a creation date; a fixed one, removed again from docProps/core.xml by _repacked.
_CREATED = datetime(1980, 1, 1)
_CELL_MAX_UNITS = 32_767  # Excel's limit on a cell's text, in UTF-16 code units as XlsxWriter counts them
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
_CORE_END = b"</cp:coreProperties>"
#: The default font, for the runs of a text cell without a format (a rich string takes a format before each run).
_PLAIN_RUN = Format()
#: Plain text, never a formula, a link or a number: XlsxWriter's write() would guess, write_string() does not.
_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False}


class XlsxError(ValueError):
    """A value cannot be written to the workbook as it is; the message names the file, sheet, row and column."""


def xlsx_text(text: str) -> str | tuple[str, ...]:
    """``text`` as a cell value that Excel, LibreOffice and openpyxl (pandas) all read back unchanged.

    A reader decodes escapes within each text run (``<t>``) on its own, so a text holding an escape-like sequence
    is cut into runs just after each underscore that opens one: no run holds a sequence, and the runs, joined, are
    ``text``; it is returned as those runs (at least two, none empty, as a rich string needs). The spec's other
    way, writing that underscore as ``_x005F_``, is read back by openpyxl (and so pandas) as the six characters
    ``_x005F_``; a text that needs nothing is returned as is. No run then holds the four-digit form that
    XlsxWriter itself would escape that way.
    """
    cuts = [m.start() + 1 for m in _ESCAPE_LIKE.finditer(text)
            if len(m.group(1)) == 4 or int(m.group(1), 16) in _SHORT_ESCAPES]
    if not cuts:
        return text
    bounds = [0, *cuts, len(text)]
    return tuple(text[start:end] for start, end in itertools.pairwise(bounds))


@dataclass(frozen=True)
class _Styles:
    """The workbook's cell formats: the two header rows, wrapped text, and one per number format."""

    header: Format
    name: Format
    wrap: Format
    numbers: dict[str, Format]


def render_xlsx(ds: Dataset, rows: Sequence[tuple], rows_suppressed: int) -> bytes:
    """A workbook with the data (two styled header rows, frozen, filters, widths, typed numbers) and its metadata.

    Document properties are Dublin Core text, which neither Excel nor LibreOffice decodes: written as they are.
    """
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, _OPTIONS) as wb:  # closed (and its temporary files removed) on an error too
        styles = _Styles(wb.add_format(_HEADER_STYLE), wb.add_format(_NAME_STYLE), wb.add_format(_WRAP_STYLE),
                         {f: wb.add_format({"num_format": f}) for f in (*_NUMBER_FORMATS.values(), _DATE_FORMAT)})
        _write_data(wb.add_worksheet(DATA_SHEET), styles, ds, rows)
        _write_metadata(wb.add_worksheet(METADATA_SHEET), styles, ds, len(rows), rows_suppressed)
        wb.set_properties({"author": ds.publisher.name.vi, "title": ds.title.vi, "created": _CREATED})
    return _repacked(buffer.getvalue(), ds.uri)


def _write_row(ws: Worksheet, row: int, values: Sequence[object], formats: Sequence[Format | None], file: str,
               columns: Sequence[str]) -> None:
    """Write one row (numbered from 1) of values, each with its column's format; empty cells are left out."""
    for col, (value, cell_format) in enumerate(zip(values, formats, strict=True)):
        if value is None:
            continue
        if isinstance(value, str):
            _write_text(ws, row, col, value, cell_format, file, columns)
        elif isinstance(value, bool):  # before numbers: a bool is an int
            ws.write_boolean(row - 1, col, value, cell_format)
        elif isinstance(value, (int, float, Decimal)):
            ws.write_number(row - 1, col, value if isinstance(value, int) else float(value), cell_format)
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(row - 1, col, value, cell_format)
        else:
            raise XlsxError(f"{_where(file, ws, row, col, columns)}: {value!r} is a {type(value).__name__},"
                            " not text, a number, a boolean or a date")


def _write_text(ws: Worksheet, row: int, col: int, text: str, cell_format: Format | None, file: str,
                columns: Sequence[str]) -> None:
    """Text made safe (:func:`xlsx_text`); a character no cell can hold is refused, naming where it is."""
    if bad := _UNCARRIABLE.search(text):
        raise XlsxError(f"{_where(file, ws, row, col, columns)}: {text!r} holds U+{ord(bad.group()):04X}, which an"
                        " XLSX cell cannot hold or gives back changed; remove it from the mart")
    if (length := len(text.encode("utf-16-le")) // 2) > _CELL_MAX_UNITS:
        raise XlsxError(f"{_where(file, ws, row, col, columns)}: {text[:40]!r}… ({length} UTF-16 units) is longer"
                        f" than a cell holds ({_CELL_MAX_UNITS}); shorten it in the mart")
    written = xlsx_text(text)
    if isinstance(written, str):
        status = ws.write_string(row - 1, col, written, cell_format)
    else:
        status = ws.write_rich_string(row - 1, col, *_runs(written, cell_format))
    if status < 0:  # XlsxWriter warns and writes nothing, or a cut text, rather than fail
        raise XlsxError(f"{_where(file, ws, row, col, columns)}: XlsxWriter refused {text[:40]!r} (code {status})")


def _runs(runs: Sequence[str], cell_format: Format | None) -> list[str | Format]:
    """write_rich_string's arguments: each run in the cell's own font (a run without a format would take the
    default font, not the header's), then the cell's format. A cell without a format starts with a bare run,
    which XlsxWriter writes without a font (a quarter faster for the ld_xa_… codes of every commune row)."""
    if cell_format is not None:
        return [*itertools.chain.from_iterable((cell_format, run) for run in runs), cell_format]
    return [runs[0], *itertools.chain.from_iterable((_PLAIN_RUN, run) for run in runs[1:])]


def _where(file: str, ws: Worksheet, row: int, col: int, columns: Sequence[str]) -> str:
    return f"{file}, sheet {ws.name!r}, row {row}, column {xl_col_to_name(col)} ({columns[col]})"


def _write_data(ws: Worksheet, styles: _Styles, ds: Dataset, rows: Sequence[tuple]) -> None:
    file, names = f"{ds.code}.xlsx", [f.name for f in ds.fields]
    labels = [f.title.vi for f in ds.fields]
    widths = [_data_width(f.title.vi, f.name, (r[col] for r in rows)) for col, f in enumerate(ds.fields)]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.set_row(LABEL_ROW - 1, _height(labels, widths, bold=True))  # the names and the records keep to one line
    _write_row(ws, LABEL_ROW, labels, [styles.header] * len(names), file, names)
    _write_row(ws, NAME_ROW, names, [styles.name] * len(names), file, names)
    formats = [styles.numbers.get(_DATE_FORMAT if f.table_type == "date" else _NUMBER_FORMATS.get(f.kind, ""))
               for f in ds.fields]
    for number, row in enumerate(rows, start=FIRST_DATA_ROW):
        _write_row(ws, number, row, formats, file, names)
    ws.freeze_panes(FIRST_DATA_ROW - 1, 0)
    ws.autofilter(NAME_ROW - 1, 0, NAME_ROW - 1 + len(rows), len(names) - 1)


def _data_width(label: str, name: str, values: Iterable[object]) -> float:
    """Wide enough for the machine name, every value and the label's longest word; the label wraps beyond."""
    longest_word = max((len(word) for word in label.split()), default=0)
    content = max([len(name), longest_word, min(len(label), _LABEL_WIDTH)] + [len(csv_cell(v)) for v in values])
    return min(max(content + 2, 8), 60)


def _height(values: Sequence[object], widths: Sequence[float], *, bold: bool) -> float:
    """The row's height in points: its tallest cell, each cell's text wrapped within its column's width."""
    lines = max([_lines(str(value), width, bold)
                 for value, width in zip(values, widths, strict=False) if value not in (None, "")] or [1])
    return round(lines * _LINE_POINTS + _ROW_PADDING_POINTS, 1)


def _lines(text: str, width: float, bold: bool) -> int:
    """How many lines ``text`` takes wrapped at word breaks in a column ``width`` wide (a long word is cut)."""
    per_line = max(1, int((width - 1) * _CHARS_PER_WIDTH[bold]))
    return sum(len(textwrap.wrap(part, per_line, break_on_hyphens=False)) or 1 for part in text.split("\n"))


def _write_metadata(ws: Worksheet, styles: _Styles, ds: Dataset, rows: int, rows_suppressed: int) -> None:
    """The record (property, Vietnamese, English), a blank row, then the column table; all wrapped, heights set."""
    file = f"{ds.code}.xlsx"
    record_header = ["Thuộc tính / Property", "Tiếng Việt", "English"]
    table_header = ["Cột / Column", "Nhãn cột (hàng 1 trang Dữ liệu)", "Column label", "Kiểu / Type",
                    "Đơn vị / Unit", "Mô tả", "Description"]
    columns = [[f.name, f.title.vi, f.title.en, f.table_type, f.unit.vi if f.unit else "", f.description.vi,
                f.description.en] for f in ds.fields]
    record = metadata_rows(ds, rows, rows_suppressed)
    header_row = len(record) + 3  # after one blank row, which keeps its height
    for col, width in enumerate(_METADATA_WIDTHS):
        ws.set_column(col, col, width)
    blocks = [(1, [record_header], styles.header), (2, record, styles.wrap),
              (header_row, [table_header], styles.header), (header_row + 1, columns, styles.wrap)]
    for first, block, cell_format in blocks:
        names = table_header if first >= header_row else record_header
        for number, values in enumerate(block, start=first):
            ws.set_row(number - 1, _height(values, _METADATA_WIDTHS, bold=cell_format is styles.header))
            _write_row(ws, number, values, [cell_format] * len(values), file, names)
    ws.freeze_panes(1, 0)


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



def _repacked(xlsx: bytes, identifier: str) -> bytes:
    """Re-pack the workbook with fixed zip dates and modes, and Dublin Core properties without a date: the same
    rows give the same bytes. XlsxWriter has no identifier or language property, so they are added here."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _core_properties(content, identifier)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()


def _core_properties(core: bytes, identifier: str) -> bytes:
    """docProps/core.xml without its dates, with dc:identifier (the dataset's URI) and dc:language (vi)."""
    added = f"<dc:identifier>{_xml_escape(identifier)}</dc:identifier><dc:language>vi</dc:language>"
    return _CORE_DATES.sub(b"", core).replace(_CORE_END, added.encode("utf-8") + _CORE_END)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
