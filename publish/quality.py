"""The data-quality page (quality.html): open findings per agency and file, in Vietnamese, from the findings mart."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from html import escape

import psycopg

FINDINGS_MART = "marts.mart_quality_findings"

SEVERITY_VI = {"error": "Lỗi", "warning": "Cần xem lại"}


@dataclass(frozen=True)
class Finding:
    """One row of mart_quality_findings, as the page and the nightly summary use it."""

    finding_id: str
    rule_code: str
    rule_name_vi: str
    severity: str
    blocks_night: bool
    status: str
    is_new: bool
    first_seen_at: datetime
    resolved_at: datetime | None
    origin: str
    origin_name_vi: str
    indicator_code: str | None
    indicator_name_vi: str | None
    owner_agency_code: str | None
    owner_agency_name_vi: str | None
    report_date: object
    file_name: str | None
    sheet: str | None
    cell: str | None
    source_refs: str | None
    found_value: Decimal | None
    expected_value: Decimal | None
    description_vi: str
    action_vi: str
    involves_synthetic: bool


@dataclass(frozen=True)
class QualitySummary:
    """What the nightly run reports: findings new in this build and still open, by severity."""

    open_count: int
    open_errors: int
    new_count: int
    new_blocking: tuple[Finding, ...]  # new errors on figures that can be corrected (annex files, feeds)
    resolved_count: int

    def line(self) -> str:
        return (f"quality: {self.open_count} open findings ({self.open_errors} errors), {self.new_count} new"
                f" ({len(self.new_blocking)} new errors to correct), {self.resolved_count} resolved")


def read_findings(conn: psycopg.Connection) -> list[Finding]:
    """Every finding of the mart, open first, then by agency, file, cell and rule."""
    columns = ", ".join(f.name for f in fields(Finding))
    rows = conn.execute(
        f"select {columns} from {FINDINGS_MART}"
        " order by status, owner_agency_code nulls last, file_name nulls last, sheet, cell, rule_code, finding_id"
    ).fetchall()
    return [Finding(*row) for row in rows]


def summarise(findings: list[Finding]) -> QualitySummary:
    open_ = [f for f in findings if f.status == "open"]
    new = [f for f in open_ if f.is_new]
    return QualitySummary(
        open_count=len(open_),
        open_errors=sum(f.severity == "error" for f in open_),
        new_count=len(new),
        new_blocking=tuple(f for f in new if f.blocks_night),
        resolved_count=sum(f.status == "resolved" for f in findings),
    )


def quality_html(findings: list[Finding]) -> bytes:
    """The page: counts, then open findings grouped by agency and file, then the resolved ones.

    Nothing on it changes unless a finding does (no build time), so a night without changes rewrites nothing.
    """
    open_ = [f for f in findings if f.status == "open"]
    resolved = [f for f in findings if f.status == "resolved"]
    by_agency: dict[str, list[Finding]] = defaultdict(list)
    for f in open_:
        by_agency[f.owner_agency_name_vi or "Chưa xác định cơ quan"].append(f)
    sections = "\n".join(_agency_section(name, items) for name, items in sorted(by_agency.items()))
    errors = sum(f.severity == "error" for f in open_)
    page = f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chất lượng số liệu / Data quality</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1b; }}
table {{ border-collapse: collapse; width: 100%; min-width: 56rem; margin-bottom: 1.5rem; font-size: .92rem; }}
th, td {{ border: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }}
th {{ background: #eef2f6; }}
.error {{ color: #a40000; font-weight: 600; }} .warning {{ color: #8a5a00; }}
.num {{ text-align: right; white-space: nowrap; }}
.table-wrap {{ overflow-x: auto; }}
</style>
</head>
<body>
<h1>Chất lượng số liệu</h1>
<p lang="en">Data quality: findings of the warehouse's rules over every figure (published reports, annex files,
source feeds).</p>
<p><strong>{len(open_)}</strong> phát hiện đang mở (<strong>{errors}</strong> lỗi),
<strong>{len(resolved)}</strong> đã đóng. Mỗi phát hiện nêu tệp, ô, quy tắc, giá trị và việc cần sửa; sửa tệp rồi thả
lại vào thư mục inbox, phát hiện sẽ tự đóng khi tệp sửa lại không còn lỗi.</p>
{sections or "<p>Không có phát hiện nào đang mở.</p>"}
{_resolved_section(resolved)}
</body>
</html>
"""
    return page.encode("utf-8")


def _agency_section(agency: str, findings: list[Finding]) -> str:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.file_name or f.origin_name_vi].append(f)
    parts = [f"<h2>{escape(agency)}</h2>"]
    for source, items in sorted(by_file.items()):
        rows = "\n".join(_finding_row(f) for f in items)
        parts.append(f"""<h3>{escape(source)}</h3>
<div class="table-wrap"><table>
<thead><tr><th>Ô / nguồn</th><th>Mức độ</th><th>Quy tắc</th><th>Chỉ số</th><th>Giá trị thấy</th>
<th>Giá trị theo quy tắc</th><th>Diễn giải</th><th>Cần sửa</th><th>Thấy lần đầu</th></tr></thead>
<tbody>
{rows}
</tbody>
</table></div>""")
    return "\n".join(parts)


def _finding_row(f: Finding) -> str:
    where = " › ".join(x for x in (f.sheet, f.cell) if x) or (f.source_refs or "")
    synthetic = " (số liệu mô phỏng)" if f.involves_synthetic else ""
    severity = escape(SEVERITY_VI.get(f.severity, f.severity))
    return (f'<tr><td>{escape(where)}</td><td class="{escape(f.severity)}">{severity}'
            f"</td><td>{escape(f.rule_name_vi)}</td><td>{escape(f.indicator_name_vi or f.indicator_code or '')}</td>"
            f'<td class="num">{_number(f.found_value)}</td><td class="num">{_number(f.expected_value)}</td>'
            f"<td>{escape(f.description_vi or '')}{escape(synthetic)}</td><td>{escape(f.action_vi or '')}</td>"
            f"<td>{f.first_seen_at:%d/%m/%Y}</td></tr>")


def _resolved_section(resolved: list[Finding]) -> str:
    if not resolved:
        return ""
    rows = "\n".join(
        f"<tr><td>{escape(f.file_name or f.origin_name_vi)}</td><td>{escape(f.cell or '')}</td>"
        f"<td>{escape(f.rule_name_vi)}</td><td>{f.first_seen_at:%d/%m/%Y}</td>"
        f"<td>{f.resolved_at:%d/%m/%Y}</td></tr>" for f in resolved)
    return f"""<h2>Đã đóng / Resolved</h2>
<div class="table-wrap"><table>
<thead><tr><th>Tệp / nguồn</th><th>Ô</th><th>Quy tắc</th><th>Thấy lần đầu</th><th>Đóng ngày</th></tr></thead>
<tbody>
{rows}
</tbody>
</table></div>"""


def _number(value: Decimal | None) -> str:
    """A value in Vietnamese format: 1.190.533 and 95,88."""
    if value is None:
        return ""
    text = f"{value:,f}".rstrip("0").rstrip(".") if "." in f"{value}" else f"{value:,}"
    return escape(text.replace(",", " ").replace(".", ",").replace(" ", "."))
