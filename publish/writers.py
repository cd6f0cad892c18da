"""Render one dataset's rows as CSV (UTF-8 with BOM, CRLF) and JSON bytes, and say how each format is opened.

Output is a pure function of the rows: no clock, no random order, so the same marts give byte-identical files.
The XLSX workbook is rendered by ``publish/xlsx.py``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

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
                            " Bộ ký tự «Unicode (UTF-8)», dấu phân cách «Dấu phẩy» và bỏ chọn «Phát hiện số đặc biệt»"
                            " (Detect special numbers) để các mã như 003:53 giữ nguyên là chữ; Excel đọc đúng tiếng"
                            " Việt nhờ BOM.",
                            "For software and analysis. In LibreOffice Calc's Text Import dialog choose Character set"
                            " \"Unicode (UTF-8)\", separator \"Comma\" and leave \"Detect special numbers\" unticked,"
                            " so that references such as 003:53 stay text; Excel reads the Vietnamese text right"
                            " thanks to the BOM.")),
    "json": Format("JSON", "application/json", Bilingual("Tệp JSON (mảng bản ghi)", "JSON file (array of records)"),
                   Bilingual("Cho lập trình viên: một mảng bản ghi, số là số JSON, ô trống là null.",
                             "For developers: an array of records, numbers as JSON numbers, empty cells as null.")),
}


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
