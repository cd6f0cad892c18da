"""The data-quality page (quality.html): open findings per agency and file, Vietnamese first, from the findings mart."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from html import escape

import psycopg

from publish.dbt_docs import Bilingual
from publish.layout import QUALITY, bilingual, page, vn_number

FINDINGS_MART = "marts.mart_quality_findings"

SEVERITY_VI = {"error": "Lỗi", "warning": "Cần xem lại"}
TITLE = Bilingual("Chất lượng số liệu", "Data quality")
FINDING_COLUMNS = (Bilingual("Ô / nguồn", "Cell / source"), Bilingual("Mức độ", "Severity"),
                   Bilingual("Quy tắc", "Rule"), Bilingual("Chỉ số", "Indicator"),
                   Bilingual("Giá trị thấy", "Value found"), Bilingual("Giá trị theo quy tắc", "Value expected"),
                   Bilingual("Diễn giải", "Explanation"), Bilingual("Cần sửa", "To correct"),
                   Bilingual("Thấy lần đầu", "First seen"))
RESOLVED_COLUMNS = (Bilingual("Tệp / nguồn", "File / source"), Bilingual("Ô", "Cell"), Bilingual("Quy tắc", "Rule"),
                    Bilingual("Thấy lần đầu", "First seen"), Bilingual("Đóng ngày", "Resolved on"))


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
    body = f"""<div class="quality">
<h1>Chất lượng số liệu <span lang="en" class="en">Data quality</span></h1>
<p><strong>{len(open_)}</strong> phát hiện đang mở (<strong>{errors}</strong> lỗi),
<strong>{len(resolved)}</strong> đã đóng. Mỗi phát hiện nêu tệp, ô, quy tắc, giá trị và việc cần sửa; sửa tệp rồi thả
lại vào thư mục inbox, phát hiện sẽ tự đóng khi tệp sửa lại không còn lỗi.</p>
<p lang="en" class="en">Findings of the warehouse's rules over every figure (published reports, annex files, source
feeds): {len(open_)} open ({errors} errors), {len(resolved)} resolved. Each names the file, cell, rule, values and
what to correct; a corrected file dropped in the inbox again closes its findings.</p>
{sections or "<p>Không có phát hiện nào đang mở.</p>"}
{_resolved_section(resolved)}
</div>"""
    return page(TITLE, body, current=QUALITY)


def _agency_section(agency: str, findings: list[Finding]) -> str:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.file_name or f.origin_name_vi].append(f)
    parts = [f"<h2>{escape(agency)}</h2>"]
    for source, items in sorted(by_file.items()):
        rows = "\n".join(_finding_row(f) for f in items)
        parts.append(f"""<h3>{escape(source)}</h3>
<div class="table-wrap" role="region" aria-label="{escape(source)}" tabindex="0"><table>
<thead><tr>{_headers(FINDING_COLUMNS)}</tr></thead>
<tbody>
{rows}
</tbody>
</table></div>""")
    return "\n".join(parts)


def _headers(columns: tuple[Bilingual, ...]) -> str:
    return "".join(f'<th scope="col">{bilingual(c)}</th>' for c in columns)


def _finding_row(f: Finding) -> str:
    where = " › ".join(x for x in (f.sheet, f.cell) if x) or (f.source_refs or "")
    synthetic = " (số liệu mô phỏng)" if f.involves_synthetic else ""
    severity = escape(SEVERITY_VI.get(f.severity, f.severity))
    return (f'<tr><td>{escape(where)}</td><td class="{escape(f.severity)}">{severity}'
            f"</td><td>{escape(f.rule_name_vi)}</td><td>{escape(f.indicator_name_vi or f.indicator_code or '')}</td>"
            f'<td class="num">{vn_number(f.found_value)}</td><td class="num">{vn_number(f.expected_value)}</td>'
            f"<td>{escape(f.description_vi or '')}{escape(synthetic)}</td><td>{escape(f.action_vi or '')}</td>"
            f"<td>{f.first_seen_at:%d/%m/%Y}</td></tr>")


def _resolved_section(resolved: list[Finding]) -> str:
    if not resolved:
        return ""
    rows = "\n".join(
        f"<tr><td>{escape(f.file_name or f.origin_name_vi)}</td><td>{escape(f.cell or '')}</td>"
        f"<td>{escape(f.rule_name_vi)}</td><td>{f.first_seen_at:%d/%m/%Y}</td>"
        f"<td>{f.resolved_at:%d/%m/%Y}</td></tr>" for f in resolved)
    return f"""<h2>Đã đóng <span lang="en" class="en">Resolved</span></h2>
<div class="table-wrap" role="region" aria-label="Đã đóng / Resolved" tabindex="0"><table>
<thead><tr>{_headers(RESOLVED_COLUMNS)}</tr></thead>
<tbody>
{rows}
</tbody>
</table></div>"""
