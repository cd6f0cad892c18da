"""Annex files as data owners fill them, for the file-drop tests: the published Phụ lục V (000:104–142) as XLSX
and CSV, the VNeID and digital-signature templates (figures of 002:710, 877, 909), and broken variants."""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

TITLE_V = "PHỤ LỤC V. SỐ LIỆU THỦ TỤC HÀNH CHÍNH, DỊCH VỤ CÔNG TRỰC TUYẾN"
CAPTION_V = "(Ban hành kèm theo Báo cáo số -BC/BCĐ, ngày 19 tháng 6 năm 2026 của Ban Chỉ đạo tỉnh"  # 000:105
CAPTION_V_NO_DATE = "(Ban hành kèm theo Báo cáo số -BC/BCĐ của Ban Chỉ đạo tỉnh"
CAPTION_V_END = "về phát triển khoa học, công nghệ và chuyển đổi số)"
V4_GROUPS = ("Thủ tục thử nghiệm công nghệ", "Sandbox", "Đặt hàng công nghệ; mua sắm công nghệ",
             "Thành lập phòng thí nghiệm", "Nhập khẩu thiết bị nghiên cứu", "Đầu tư vào khu công nghệ cao",
             "Cấp phép chuyên gia quốc tế", "Định giá tài sản trí tuệ", "Các nhóm thủ tục khác...")


@dataclass
class Layout:
    """One sheet: cell values by address, merged ranges, bold cells and cells shown as percentages."""

    sheet: str
    cells: dict[str, object] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    bold: set[str] = field(default_factory=set)
    percent: set[str] = field(default_factory=set)

    def put(self, row: int, values: list[object], *, bold: bool = False) -> None:
        for col, value in enumerate(values, start=1):
            if value is not None:
                self.cells[f"{get_column_letter(col)}{row}"] = value
                if bold:
                    self.bold.add(f"{get_column_letter(col)}{row}")

    def set(self, cell: str, value: object) -> None:
        if value is None:
            self.cells.pop(cell, None)
        else:
            self.cells[cell] = value

    def grid(self) -> list[list[object]]:
        coords = [coordinate_from_string(a) for a in self.cells]
        rows = max(r for _, r in coords)
        cols = max(column_index_from_string(c) for c, _ in coords)
        return [[self.cells.get(f"{get_column_letter(c)}{r}") for c in range(1, cols + 1)]
                for r in range(1, rows + 1)]


def phu_luc_v(*, caption: str = CAPTION_V, total: bool = False) -> Layout:
    """Phụ lục V as published (000:104–142): merged multi-row headers, Vietnamese number strings mixed with real
    numbers, the V.3 level labels with their numbers on the next row (empty STT), a footnote, and V.4.
    With ``total`` V.3 also has a 'Tổng cộng' label under Cấp Xã and its numbers on the next row (24–25)."""
    v = Layout("Phụ lục V")
    _annex_v_top(v, caption)
    footnote = _v3_published(v, total)
    _v4(v, first_row=footnote + 2)
    return v


def phu_luc_v_same_row() -> Layout:
    """Phụ lục V with V.3 filled the other way: a 'Cấp' column and the numbers on the level's own row."""
    v = Layout("PL V")
    _annex_v_top(v, CAPTION_V)
    v.put(16, ["3. Tổng số hồ sơ tiếp nhận trong 6 tháng đầu năm 2026 và lũy kế đến hiện tại:"], bold=True)
    v.put(17, ["STT", "Cấp", "Số hồ sơ trực tuyến", None, "Số hồ sơ trực tiếp và hình thức khác"], bold=True)
    v.put(18, [None, None, "5 tháng đầu năm", "Lũy kế đến hiện tại", "5 tháng đầu năm", "Lũy kế đến hiện tại"],
          bold=True)
    v.merges += ["A17:A18", "B17:B18", "C17:D17", "E17:F17"]
    v.put(19, [1, "Cấp Trung ương", "-", "-", "-", "-"])
    v.put(20, [2, "Cấp tỉnh", "205.496", "347.603", "29.818", "168.130"])  # 000:127
    v.put(21, [3, "Cấp xã", "350.170", "908.409", "1.017", "35.768"])  # 000:129
    return v


def with_v3_periods(layout: Layout, period: str, running_total: str) -> Layout:
    """The same annex with other V.3 period headers (row 18), e.g. '4 tháng đầu năm' and 'Lũy kế đến 31/5/2026'."""
    for cell, value in list(layout.cells.items()):
        if cell.endswith("18") and value in ("5 tháng đầu năm", "Lũy kế đến hiện tại"):
            layout.set(cell, period if value == "5 tháng đầu năm" else running_total)
    return layout


V3_LEVELS = {"province": ("205.496", "347.603", "29.818", "168.130"),  # 000:127
             "commune": ("350.170", "908.409", "1.017", "35.768")}  # 000:129


def _v3_total() -> list[str]:
    """The V.3 total row as an owner adds it up: province + commune, in Vietnamese format."""
    sums = [sum(int(level[i].replace(".", "")) for level in V3_LEVELS.values()) for i in range(4)]
    return [f"{n:,}".replace(",", ".") for n in sums]


def phu_luc_v_same_row_with_total(label: str = "Toàn tỉnh") -> Layout:
    """V.3 with a 'Cấp' column and a total row (row 22) on its own line."""
    v = phu_luc_v_same_row()
    v.put(22, [None, label, *_v3_total()])
    return v


def _annex_v_top(v: Layout, caption: str) -> None:
    v.put(1, [TITLE_V], bold=True)
    v.put(2, [caption])
    v.put(3, [CAPTION_V_END])
    v.merges += ["A1:G1", "A2:G2", "A3:G3"]
    # V.1 (000:108-112)
    v.put(5, ["1. Số thủ tục hành chính:"], bold=True)
    v.put(6, ["STT", "Số TTHC"], bold=True)
    v.put(7, [None, "Cấp Trung ương", "Cấp tỉnh", "Cấp xã"], bold=True)
    v.merges += ["A6:A7", "B6:D6"]
    v.put(8, [1, "-", "1.600", 377])
    # V.2 (000:114-119)
    v.put(10, ["2. Số dịch vụ công trực tuyến:"], bold=True)
    v.put(11, ["STT", "Số DVCTT"], bold=True)
    v.put(12, [None, "Cấp Trung ương", None, "Cấp tỉnh", None, "Cấp xã"], bold=True)
    v.put(13, [None] + ["Số DVCTT toàn trình", "Số DVCTT một phần"] * 3, bold=True)
    v.merges += ["A11:A13", "B11:G11", "B12:C12", "D12:E12", "F12:G12"]
    v.put(14, [1, "-", "-", 698, "902", "143", 234])


def _v3_published(v: Layout, total: bool) -> int:
    """V.3 (000:121-129): levels are rows; a level's numbers sit on the next row, whose STT is empty."""
    v.put(16, ["3. Tổng số hồ sơ tiếp nhận trong 6 tháng đầu năm 2026 và lũy kế đến hiện tại:"], bold=True)
    v.put(17, ["STT", "Số hồ sơ trực tuyến", None, "Số hồ sơ trực tiếp và hình thức khác"], bold=True)
    v.put(18, [None, "5 tháng đầu năm", "Lũy kế đến hiện tại", "5 tháng đầu năm", "Lũy kế đến hiện tại"], bold=True)
    v.merges += ["A17:A18", "B17:C17", "D17:E17"]
    v.put(19, [1, "Cấp Trung ương"])
    v.bold.add("B19")
    v.put(20, [2, "Cấp Tỉnh"])
    v.bold.add("B20")
    v.put(21, [None, "205.496", 347603, "29.818", 168130])
    v.put(22, [3, "Cấp Xã"])
    v.bold.add("B22")
    v.put(23, [None, 350170, "908.409", "1.017", 35768])
    footnote = 24
    if total:
        v.put(24, [None, "Tổng cộng"])
        v.put(25, [None, *_v3_total()])
        footnote = 26
    v.put(footnote, ["Ghi chú: dấu “-” là không có số liệu báo cáo."])
    v.merges.append(f"A{footnote}:E{footnote}")
    return footnote


def _v4(v: Layout, first_row: int) -> None:
    """V.4 (000:131-142): procedure groups, free text; not figures."""
    v.put(first_row, ["4. Nhóm thủ tục chuyên biệt có thể gây điểm nghẽn cho thị trường công nghệ cần phải rà soát,"
                      " cắt giảm"], bold=True)
    v.put(first_row + 1, ["STT", "Nhóm thủ tục", "Điểm nghẽn chính", "Đề xuất phương án cắt giảm, đơn giản hóa",
                          "Vấn đề cốt lõi sẽ được giải quyết"], bold=True)
    for n, group in enumerate(V4_GROUPS, start=1):
        v.put(first_row + 1 + n, [n, group, "-", "-", "-"])


def vneid() -> Layout:
    """The VNeID template with the figures of 002:909 and 002:877 (the report gives only 'tháng 4 năm 2026';
    the report date 30/4/2026 is the fixture's), a 'Ngày báo cáo' label with a real date cell, and notes."""
    v = Layout("VNeID")
    v.put(1, ["SỐ LIỆU ĐỊNH DANH ĐIỆN TỬ VÀ ỨNG DỤNG VNeID (ĐỀ ÁN 06)"], bold=True)
    v.put(2, ["Ngày báo cáo:", date(2026, 4, 30)])
    v.put(4, ["STT", "Nội dung", "Số liệu đến thời điểm báo cáo", "Ghi chú"], bold=True)
    v.put(5, [1, "Số lượt hồ sơ cấp căn cước, căn cước công dân đã thu nhận", "3.999.830", "002:909"])
    v.put(6, [2, "Số hồ sơ cấp tài khoản định danh điện tử đã thu nhận", 2891016, "002:909"])
    v.put(7, [3, "Số tài khoản định danh điện tử đã kích hoạt", "2.228.763", "002:909"])
    v.put(8, [4, "Số cơ quan, tổ chức, hợp tác xã, doanh nghiệp đủ điều kiện cấp định danh điện tử", "-"])
    v.put(9, [5, "Số cơ quan, tổ chức, hợp tác xã, doanh nghiệp đủ điều kiện đã đăng ký cấp định danh điện tử", "-"])
    v.put(10, [6, "Số cơ sở khám chữa bệnh triển khai thông báo lưu trú qua ứng dụng VNeID", 385, "002:877"])
    return v


def chu_ky_so() -> Layout:
    """The digital-signature template with the figures of 002:710, numbers on each level's row, a total row, and
    the equipped rate written once as text ("100%") and once as an Excel percentage cell (1.0 shown as 100%)."""
    v = Layout("Chữ ký số")
    v.put(1, ["SỐ LIỆU CHỨNG THƯ CHỮ KÝ SỐ CHUYÊN DÙNG CÔNG VỤ"], bold=True)
    v.put(2, ["Lâm Đồng, ngày 30 tháng 4 năm 2026"])
    v.put(4, ["STT", "Cấp", "Tổng số chứng thư số", "Theo đối tượng", None, "Theo hình thức", None, None,
              "Tỷ lệ lãnh đạo, chuyên viên giải quyết TTHC được trang bị chữ ký số (%)"], bold=True)
    v.put(5, [None, None, None, "Tổ chức", "Cá nhân", "Token", "SIM PKI", "Ký số tập trung"], bold=True)
    v.merges += ["A4:A5", "B4:B5", "C4:C5", "D4:E4", "F4:H4", "I4:I5"]
    v.put(6, [1, "Cấp tỉnh", "5.492", "710", "4.782", "4.609", "462", "421", "100%"])
    v.put(7, [2, "Cấp xã", 9041, 1777, 6498, 8159, 336, 501, 1])
    v.percent.add("I7")
    v.put(8, [None, "Tổng cộng", "14.533"])
    return v


def write_xlsx(path: Path, *layouts: Layout) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for layout in layouts:
        ws = workbook.create_sheet(layout.sheet)
        for address, value in layout.cells.items():
            ws[address] = value
            if address in layout.bold:
                ws[address].font = Font(bold=True)
            if address in layout.percent:
                ws[address].number_format = "0%"
        for rng in layout.merges:
            ws.merge_cells(rng)
            ws[rng.split(":")[0]].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions["B"].width = 24
    workbook.save(path)
    return path


def save_formula_results(path: Path, results: dict[str, object], *, sheet_number: int = 1) -> Path:
    """Give formula cells the result a spreadsheet saves with them (``<v>``), as Excel or LibreOffice do after
    recalculating; openpyxl alone writes formulas without results."""
    member = f"xl/worksheets/sheet{sheet_number}.xml"
    with zipfile.ZipFile(path) as src:
        parts = {info: src.read(info.filename) for info in src.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts.items():
            if info.filename == member:
                xml = data.decode("utf-8")
                for cell, value in results.items():
                    kind = ' t="str"' if isinstance(value, str) else ""
                    xml, n = re.subn(rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*/>', rf'<c r="{cell}"\1{kind}><f>\2</f>'
                                     f"<v>{value}</v>", xml)
                    assert n == 1, f"no formula cell {cell} in {member}"
                data = xml.encode("utf-8")
            out.writestr(info, data)
    return path


def write_csv(path: Path, layout: Layout, *, delimiter: str = ",", bom: bool = False) -> Path:
    """As Excel saves a sheet with merged cells: the merged value once, the covered cells empty."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        for row in layout.grid():
            writer.writerow(["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, date) else v for v in row])
    return path


# ---------- broken variants of the published Phụ lục V (each names the cell a test expects in the error)

def text_in_number_column() -> Layout:
    """D21 (V.3, cấp tỉnh, trực tiếp 5 tháng) says 'chưa tổng hợp' instead of a number."""
    v = phu_luc_v()
    v.set("D21", "chưa tổng hợp")
    return v


def missing_column() -> Layout:
    """V.1 without its 'Cấp xã' column (D7, D8 gone; the parent header spans B:C)."""
    v = phu_luc_v()
    v.set("D7", None)
    v.set("D8", None)
    v.merges[v.merges.index("B6:D6")] = "B6:C6"
    return v


def renamed_header() -> Layout:
    """V.2 'Số DVCTT một phần' under Cấp tỉnh (E13) retyped as 'Số DVC một phần'."""
    v = phu_luc_v()
    v.set("E13", "Số DVC một phần")
    return v


def negative_count() -> Layout:
    """V.1 Cấp xã (D8) typed as -377."""
    v = phu_luc_v()
    v.set("D8", -377)
    return v


def no_report_date() -> Layout:
    """The caption without its date; saved under a name without a date too."""
    return phu_luc_v(caption=CAPTION_V_NO_DATE)
