"""The annex templates chiso accepts: their sections, exact Vietnamese headers, and what each column and row holds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from extract.filedrop.text import fold, key
from extract.filedrop.windows import is_running_total, is_stock_header, looks_like_period

LEVELS = ("central", "province", "commune", "total")  # total: a "Tổng cộng" row, as the owner added it up


@dataclass(frozen=True)
class Label:
    """A header or row label as printed in the template; ``pattern`` (on the folded text) also accepts variants."""

    text: str
    pattern: str | None = None

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        return re.compile(fold(self.pattern) if self.pattern else re.escape(key(self.text)))

    def matches(self, value: object) -> bool:
        return self._regex.fullmatch(key(value)) is not None


@dataclass(frozen=True)
class PeriodLabel(Label):
    """A header naming the column's period; the figures' window is read from the text (windows.py), so any
    period-like text is accepted here and one that cannot be read is reported with its cell."""

    running_total: bool = False  # "Lũy kế …" columns; the others name a calendar period ("5 tháng đầu năm")
    stock: bool = False  # the day of a stock: "Số liệu đến thời điểm báo cáo", "Số liệu đến ngày 31/3/2026"

    def matches(self, value: object) -> bool:
        if self.stock:
            return is_stock_header(value) or (looks_like_period(value) and not is_running_total(value)
                                              and key(value).startswith(key("Số liệu")))
        if self.running_total:
            return is_running_total(value)
        return looks_like_period(value) and not is_running_total(value)


@dataclass(frozen=True)
class Key:
    """Part of a figure's key; a section, a row and a column each contribute their parts."""

    measure: str | None = None
    level: str | None = None

    def merge(self, *others: Key) -> Key:
        parts = {"measure": self.measure, "level": self.level}
        for other in others:
            parts.update({k: v for k, v in vars(other).items() if v is not None})
        return Key(**parts)

    @property
    def complete(self) -> bool:
        return None not in (self.measure, self.level)


@dataclass(frozen=True)
class ColumnSpec:
    """A number column: its header path from the top header row down, what it measures, and its kind.

    The window is the template's (a snapshot on the report date) unless the bottom header names a period.
    """

    path: tuple[Label, ...]
    key: Key
    kind: str = "count"  # count | percent

    @property
    def reads_window(self) -> bool:
        return isinstance(self.path[-1], PeriodLabel)


@dataclass(frozen=True)
class RowSpec:
    """A row label and the level its figures have; an optional row (the total) may be left out."""

    label: Label
    key: Key
    required: bool = True


@dataclass(frozen=True)
class SectionSpec:
    """One table of a template. Without ``rows`` it has a single data row; with ``rows`` each row is labelled."""

    code: str
    title: Label
    columns: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...] = ()
    key: Key = Key()
    label_column: Label | None = None  # header of the column holding row labels
    label_column_required: bool = False  # else labels may also stand alone on a row, numbers on the next row

    @property
    def depth(self) -> int:
        return max(len(c.path) for c in self.columns)

    @property
    def top_labels(self) -> tuple[Label, ...]:
        return tuple(c.path[0] for c in self.columns)


@dataclass(frozen=True)
class Template:
    key: str  # file-name prefix: <key>_<YYYY-MM-DD>.xlsx
    annex: str
    name: str
    sections: tuple[SectionSpec, ...]
    ignored_tables: tuple[Label, ...] = field(default=())  # tables without figures (free text, all "-")


NOTES = Label("Ghi chú", r"ghi chú|nguồn số liệu")  # a notes column is allowed in every table and not read

LEVEL_LABELS = (
    (Label("Cấp Trung ương", r"(cấp )?trung ương"), "central"),
    (Label("Cấp tỉnh", r"(cấp )?tỉnh"), "province"),
    (Label("Cấp xã", r"(cấp )?xã(, phường(, đặc khu)?)?"), "commune"),
)
TOTAL_ROW = RowSpec(Label("Tổng cộng", r"tổng cộng|tổng số|tổng|cộng|toàn tỉnh"), Key(level="total"), required=False)
LEVEL_ROWS = (*(RowSpec(label, Key(level=level)) for label, level in LEVEL_LABELS), TOTAL_ROW)

PERIOD = PeriodLabel("5 tháng đầu năm")  # or "Quý I", "tháng 5/2026", "năm 2025" …
RUNNING_TOTAL = PeriodLabel("Lũy kế đến hiện tại", running_total=True)  # or "Lũy kế đến 31/5/2026" …

PHU_LUC_V = Template(
    key="phu_luc_v",
    annex="V",
    name="Phụ lục V. Số liệu thủ tục hành chính, dịch vụ công trực tuyến",
    sections=(
        SectionSpec(
            code="V.1",
            title=Label("1. Số thủ tục hành chính:", r"(1\. ?)?số thủ tục hành chính"),
            columns=tuple(ColumnSpec((Label("Số TTHC"), label), Key("tthc_count", level))
                          for label, level in LEVEL_LABELS),
        ),
        SectionSpec(
            code="V.2",
            title=Label("2. Số dịch vụ công trực tuyến:", r"(2\. ?)?số dịch vụ công trực tuyến"),
            columns=tuple(
                ColumnSpec((Label("Số DVCTT"), label, kind_label), Key(measure, level))
                for label, level in LEVEL_LABELS
                for kind_label, measure in ((Label("Số DVCTT toàn trình"), "dvctt_full_count"),
                                            (Label("Số DVCTT một phần"), "dvctt_partial_count"))
            ),
        ),
        SectionSpec(
            code="V.3",
            title=Label("3. Tổng số hồ sơ tiếp nhận trong 6 tháng đầu năm 2026 và lũy kế đến hiện tại:",
                        r"(3\. ?)?tổng số hồ sơ tiếp nhận.*"),
            columns=tuple(
                ColumnSpec((channel, period), Key(measure))
                for channel, measure in ((Label("Số hồ sơ trực tuyến"), "dossier_online_count"),
                                         (Label("Số hồ sơ trực tiếp và hình thức khác"), "dossier_direct_other_count"))
                for period in (PERIOD, RUNNING_TOTAL)
            ),
            rows=LEVEL_ROWS,
            label_column=Label("Cấp", r"cấp( hành chính)?"),
        ),
    ),
    ignored_tables=(Label("Nhóm thủ tục"),),  # V.4: procedure groups, free text
)

VNEID_ITEMS = (
    ("Số lượt hồ sơ cấp căn cước, căn cước công dân đã thu nhận", "id_card_application_count"),
    ("Số hồ sơ cấp tài khoản định danh điện tử đã thu nhận", "eid_application_count"),
    ("Số tài khoản định danh điện tử đã kích hoạt", "eid_activated_count"),
    ("Số cơ quan, tổ chức, hợp tác xã, doanh nghiệp đủ điều kiện cấp định danh điện tử", "org_eid_eligible_count"),
    ("Số cơ quan, tổ chức, hợp tác xã, doanh nghiệp đủ điều kiện đã đăng ký cấp định danh điện tử",
     "org_eid_registered_count"),
    ("Số cơ sở khám chữa bệnh triển khai thông báo lưu trú qua ứng dụng VNeID",
     "vneid_stay_notification_facility_count"),
)

VNEID = Template(
    key="vneid",
    annex="vneid",
    name="Số liệu định danh điện tử (VNeID, Đề án 06)",
    sections=(
        SectionSpec(
            code="vneid",
            title=Label("SỐ LIỆU ĐỊNH DANH ĐIỆN TỬ (VNeID)", r".*(vneid|định danh điện tử).*"),
            # a stock on the report date, or on the day the header states ("Số liệu đến ngày 31/3/2026")
            columns=(ColumnSpec((PeriodLabel("Số liệu đến thời điểm báo cáo", stock=True),), Key()),),
            rows=tuple(RowSpec(Label(text), Key(measure=code)) for text, code in VNEID_ITEMS),
            key=Key(level="total"),  # province-wide: the police report no level split
            label_column=Label("Nội dung", r"nội dung|chỉ tiêu"),
            label_column_required=True,
        ),
    ),
)

BY_HOLDER = Label("Theo đối tượng")
BY_MEDIUM = Label("Theo hình thức")

CHU_KY_SO = Template(
    key="chu_ky_so",
    annex="chu_ky_so",
    name="Số liệu chứng thư chữ ký số chuyên dùng công vụ",
    sections=(
        SectionSpec(
            code="chu_ky_so",
            title=Label("SỐ LIỆU CHỨNG THƯ CHỮ KÝ SỐ CHUYÊN DÙNG CÔNG VỤ", r".*chữ ký số.*"),
            columns=(
                ColumnSpec((Label("Tổng số chứng thư số"),), Key("ds_cert_count")),
                ColumnSpec((BY_HOLDER, Label("Tổ chức")), Key("ds_cert_org_count")),
                ColumnSpec((BY_HOLDER, Label("Cá nhân")), Key("ds_cert_personal_count")),
                ColumnSpec((BY_MEDIUM, Label("Token")), Key("ds_token_count")),
                ColumnSpec((BY_MEDIUM, Label("SIM PKI")), Key("ds_sim_pki_count")),
                ColumnSpec((BY_MEDIUM, Label("Ký số tập trung", r"(tài khoản )?ký số tập trung")),
                           Key("ds_remote_signing_account_count")),
                ColumnSpec((Label("Tỷ lệ lãnh đạo, chuyên viên giải quyết TTHC được trang bị chữ ký số (%)",
                                  r"tỷ lệ lãnh đạo.*trang bị chữ ký số.*"),),
                           Key("ds_staff_equipped_rate"), kind="percent"),
            ),
            rows=tuple(r for r in LEVEL_ROWS if r.key.level != "central"),
            label_column=Label("Cấp", r"cấp( hành chính)?"),
        ),
    ),
)

TEMPLATES: tuple[Template, ...] = (PHU_LUC_V, VNEID, CHU_KY_SO)
