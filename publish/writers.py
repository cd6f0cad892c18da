"""Render one dataset's rows as CSV (UTF-8 with BOM, CRLF), XLSX (styled, with a Metadata sheet) and JSON bytes.

Output is a pure function of the rows and the metadata: no clock, no random order, so the same marts give
byte-identical files (the XLSX's zip entries and document properties carry no timestamp either).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from publish.catalogue import FREQUENCIES, LICENSES, Dataset
from publish.dbt_docs import Bilingual


@dataclass(frozen=True)
class Format:
    label: str
    mediatype: str
    title: Bilingual
    guide: Bilingual  # who the file is for and how to open it (the site, the portal's resource description)


#: File extension → how portals and DCAT name the format, and how people should open it.
FORMATS = {
    "xlsx": Format("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   Bilingual("Bảng tính Excel, có trang Metadata", "Excel workbook with a Metadata sheet"),
                   Bilingual("Nên dùng để xem và tính toán: mở thẳng bằng Excel hoặc LibreOffice Calc, tên cột"
                             " tiếng Việt, số đã định dạng, trang Metadata mô tả từng cột.",
                             "Recommended for people: opens as is in Excel or LibreOffice Calc, with Vietnamese"
                             " column labels, formatted numbers and a Metadata sheet describing every column.")),
    "csv": Format("CSV", "text/csv", Bilingual("Tệp CSV (UTF-8 có BOM)", "CSV file (UTF-8 with BOM)"),
                  Bilingual("Cho phần mềm và phân tích. Mở bằng LibreOffice Calc: trong hộp thoại Nhập văn bản chọn"
                            " Bộ ký tự «Unicode (UTF-8)» và dấu phân cách «Dấu phẩy»; Excel đọc đúng tiếng Việt nhờ"
                            " BOM.",
                            "For software and analysis. In LibreOffice Calc's Text Import dialog choose Character set"
                            " \"Unicode (UTF-8)\" and separator \"Comma\"; Excel reads the Vietnamese text right"
                            " thanks to the BOM.")),
    "json": Format("JSON", "application/json", Bilingual("Tệp JSON (mảng bản ghi)", "JSON file (array of records)"),
                   Bilingual("Cho lập trình viên: một mảng bản ghi, số là số JSON, ô trống là null.",
                             "For developers: an array of records, numbers as JSON numbers, empty cells as null.")),
}
DATA_SHEET = "Dữ liệu"
METADATA_SHEET = "Metadata"
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_NUMBER_FORMATS = {"count": "#,##0", "rate": "0.00", "year": "0", "measure": "General"}
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def render_csv(names: Sequence[str], rows: Sequence[tuple]) -> bytes:
    """CSV with a BOM (Excel then reads UTF-8: Vietnamese diacritics intact) and CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def render_json(names: Sequence[str], rows: Sequence[tuple]) -> bytes:
    """An array of objects, one per row, keys in column order, numbers as JSON numbers, empty cells null."""
    records = [{n: json_value(v) for n, v in zip(names, row, strict=True)} for row in rows]
    return (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_xlsx(ds: Dataset, rows: Sequence[tuple], rows_suppressed: int) -> bytes:
    """A workbook with the data (bold filled header, frozen, filters, widths, typed numbers) and its metadata."""
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


def _xlsx_value(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def _write_data(ws, ds: Dataset, rows: Sequence[tuple]) -> None:
    ws.append([f.name for f in ds.fields])
    for row in rows:
        ws.append([_xlsx_value(v) for v in row])
    for col, field in enumerate(ds.fields, start=1):
        number_format = "yyyy-mm-dd" if field.table_type == "date" else _NUMBER_FORMATS.get(field.kind)
        if number_format:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = number_format
        width = max([len(field.name)] + [len(csv_cell(r[col - 1])) for r in rows])
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
    _style_header(ws, len(ds.fields))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(ds.fields))}{len(rows) + 1}"


def _style_header(ws, columns: int) -> None:
    for (cell,) in ws.iter_cols(min_row=1, max_row=1, max_col=columns):
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=False)


def _write_metadata(ws, ds: Dataset, rows: int, rows_suppressed: int) -> None:
    ws.append(["Thuộc tính / Property", "Tiếng Việt", "English"])
    for label, vi, en in metadata_rows(ds, rows, rows_suppressed):
        ws.append([label, vi, en])
    ws.append([])
    ws.append(["Cột / Column", "Kiểu / Type", "Đơn vị / Unit", "Mô tả", "Description"])
    header_row = ws.max_row
    for f in ds.fields:
        ws.append([f.name, f.table_type, f.unit.vi if f.unit else "", f.description.vi, f.description.en])
    for cell in (*ws[1], *ws[header_row]):
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for letter, width in zip("ABCDE", (34, 60, 60, 60, 60), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
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
