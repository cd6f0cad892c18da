"""Render one dataset's page: description, facts (publisher, licence, coverage, frequency), files with their
guides, the main indicator's chart, the column dictionary and the first rows of the CSV."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from publish import chart
from publish.catalogue import LICENSES, Dataset, Field
from publish.dbt_docs import Bilingual
from publish.indicator import Series
from publish.layout import (
    HOME,
    QUALITY,
    bilingual,
    coverage,
    file_size,
    frequency,
    local_datetime,
    page,
    page_name,
    plain_title,
    synthetic_badge,
    vn_number,
)
from publish.privacy import FLAG_COLUMN
from publish.writers import FORMATS

#: How many rows of the CSV the page shows.
PREVIEW_ROWS = 20
#: The order files are offered in: the workbook people should open first.
FILE_ORDER = ("xlsx", "csv", "json")
#: Table Schema types in words.
TYPES = {
    "integer": Bilingual("số nguyên", "integer"), "number": Bilingual("số thập phân", "number"),
    "string": Bilingual("văn bản", "text"), "date": Bilingual("ngày", "date"),
    "datetime": Bilingual("ngày giờ", "date-time"), "boolean": Bilingual("đúng/sai", "true/false"),
    "year": Bilingual("năm", "year"),
}
NUMERIC_KINDS = ("count", "rate", "measure", "year")
_NUM = ' class="num"'


@dataclass(frozen=True)
class DatasetView:
    """What the page shows of one dataset besides its metadata."""

    dataset: Dataset
    entry: dict  # its manifest entry: files (sizes), rows, dates, suppressed cells
    preview: tuple[tuple[str, ...], ...]  # the CSV's first rows, each cell as the CSV writes it
    series: Series | None  # the main indicator, when the dataset declares one


def dataset_html(view: DatasetView) -> bytes:
    ds = view.dataset
    title = plain_title(ds)
    body = "\n".join([
        f'<p class="breadcrumb"><a href="{HOME}">Tập dữ liệu <span lang="en">/ Datasets</span></a> ›'
        f" {bilingual(ds.topic)}</p>",
        f"<h1>{bilingual(title)}</h1>",
        synthetic_badge(ds),
        f'<p class="lead">{escape(ds.description.vi)}</p>',
        f'<p lang="en" class="en">{escape(ds.description.en)}</p>',
        _facts(view),
        _files(view),
        _chart_section(view),
        _dictionary(ds),
        _preview(view),
        f'<p><a href="{QUALITY}">Chất lượng số liệu: các phát hiện của lần dựng kho gần nhất'
        ' <span lang="en">/ Data quality: findings of the last build</span></a></p>',
    ])
    return page(title, body, current=page_name(ds.code))


def _facts(view: DatasetView) -> str:
    ds, entry = view.dataset, view.entry
    licence_url, licence_title, _ = LICENSES[ds.license_id]
    rows = [
        (Bilingual("Cơ quan công bố", "Publisher"), bilingual(ds.publisher.name)),
        (Bilingual("Đơn vị tổng hợp số liệu", "Creator"), bilingual(ds.creator.name)),
        (Bilingual("Giấy phép", "Licence"),
         f'<a href="{escape(licence_url)}" rel="license">{escape(licence_title)}</a> ({escape(ds.license_id)})'),
        (Bilingual("Phạm vi thời gian", "Temporal coverage"), escape(coverage(ds))),
        (Bilingual("Phạm vi không gian", "Spatial coverage"), escape(ds.spatial)),
        (Bilingual("Tần suất cập nhật", "Update frequency"), bilingual(frequency(ds))),
        (Bilingual("Cấp chi tiết", "Grain"), bilingual(ds.grain)),
        (Bilingual("Số dòng", "Rows"), vn_number(entry["rows"])),
        (Bilingual("Chủ đề", "Topic"), bilingual(ds.topic)),
        (Bilingual("Từ khóa", "Keywords"), escape(", ".join(ds.keywords))),
        (Bilingual("Ngày công bố", "Issued"), escape(local_datetime(entry["issued"]))),
        (Bilingual("Cập nhật lần cuối", "Last modified"), escape(local_datetime(entry["modified"]))),
        (Bilingual("Định danh", "Identifier"), f'<a href="{escape(ds.uri)}">{escape(ds.uri)}</a>'),
    ]
    items = "\n".join(f"<dt>{bilingual(label)}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<section class="panel" aria-labelledby="facts"><h2 id="facts">Thông tin <span lang="en"' \
           f' class="en">About this dataset</span></h2>\n<dl class="facts-list">\n{items}\n</dl></section>'


def _files(view: DatasetView) -> str:
    files = view.entry["files"]
    items = "\n".join(_file_item(ext, files[ext]) for ext in FILE_ORDER if ext in files)
    return f"""<section aria-labelledby="files"><h2 id="files">Tải về <span lang="en" class="en">Download</span></h2>
<ul class="files">
{items}
</ul></section>"""


def _file_item(ext: str, file: dict) -> str:
    fmt = FORMATS[ext]
    recommended = ' class="recommended"' if ext == FILE_ORDER[0] else ""
    return (f'<li{recommended}><a class="download" href="{escape(file["path"])}" download>Tải {escape(fmt.label)}'
            f' <span lang="en">/ Download {escape(fmt.label)}</span></a>'
            f'<p class="size"><code>{escape(file["path"])}</code> · {escape(file_size(file["bytes"]))}</p>'
            f"<p>{bilingual(fmt.title)}</p>"
            f'<p class="guide">{escape(fmt.guide.vi)}</p><p class="guide en" lang="en">{escape(fmt.guide.en)}</p>'
            "</li>")


def _chart_section(view: DatasetView) -> str:
    heading = ('<h2 id="chart">Chỉ số chính theo thời gian <span lang="en" class="en">Main indicator over time'
               "</span></h2>")
    s = view.series
    if s is None:
        return (f'<section aria-labelledby="chart">{heading}<p>Tập dữ liệu này không có biểu đồ: nó không phải chuỗi'
                f' số liệu của một chỉ số theo thời gian ({escape(view.dataset.grain.vi)}). <span lang="en"'
                f' class="en">This dataset has no chart: it is no series of one indicator over time'
                f" ({escape(view.dataset.grain.en)}).</span></p></section>")
    if not s.points:
        return (f'<section aria-labelledby="chart">{heading}<p>Chưa có số liệu để vẽ biểu đồ: tập dữ liệu chưa có dòng'
                ' nào. <span lang="en" class="en">No figures to chart yet: the dataset has no rows.</span></p>'
                "</section>")
    return f"""<section aria-labelledby="chart">{heading}
<h3>{bilingual(s.field.title)}</h3>
<figure class="chart-figure">
{chart.svg(s, "chart-title", "chart-desc")}
<figcaption>
{_method(view)}
</figcaption>
</figure>
{_chart_table(s)}
</section>"""


def _method(view: DatasetView) -> str:
    """How the figures were computed, and that they are not suppressed (in both languages)."""
    s, ds = view.series, view.dataset
    assert s is not None
    period = f"<code>{escape(ds.temporal_column)}</code>"
    if s.is_rate:
        counts = f"<code>{escape(str(s.chart.numerator))}</code> / <code>{escape(str(s.chart.denominator))}</code>"
        how_vi = f"tỷ lệ tính lại từ tổng số đếm của mọi dòng trong kỳ: 100 × tổng {counts}, không lấy trung bình tỷ lệ"
        how_en = f"the rate recomputed from the counts summed over every row of the period: 100 × sum {counts}," \
                 " never an average of rates"
    else:
        column = f"<code>{escape(s.chart.column)}</code>"
        how_vi, how_en = f"tổng {column} của mọi dòng trong kỳ", f"{column} summed over every row of the period"
    vi = (f"Toàn tỉnh, mỗi kỳ ({period}) một điểm: {how_vi}. Biểu đồ dùng số liệu đầy đủ của kho, trước khi để trống"
          " các ô nhỏ: tổng toàn tỉnh theo kỳ không phải dữ liệu cá nhân.")
    en = (f"Whole province, one point per period ({period}): {how_en}. The chart uses the warehouse's full figures,"
          " before small cells are emptied: totals per period over the province are not personal data.")
    if view.entry.get("suppressed_cells"):
        vi += " Vì vậy cộng các ô của tệp tải về có thể ra số nhỏ hơn."
        en += " Summing the downloaded file's cells can therefore give less."
    return f'<p>{vi}</p><p lang="en" class="en">{en}</p>'


def _chart_table(s: Series) -> str:
    unit = " %" if s.is_rate else ""
    head = ('<th scope="col" class="num">Tử số <span lang="en">/ Numerator</span></th><th scope="col" class="num">'
            'Mẫu số <span lang="en">/ Denominator</span></th>') if s.is_rate else ""
    rows = "\n".join(
        f'<tr><th scope="row">{escape(s.label(p))}</th><td class="num">{vn_number(p.value)}'
        f'{unit if p.value is not None else ""}</td>'
        + (f'<td class="num">{vn_number(p.numerator)}</td><td class="num">{vn_number(p.denominator)}</td>'
           if s.is_rate else "") + "</tr>" for p in s.points)
    return f"""<details><summary>Số liệu của biểu đồ <span lang="en">/ The chart's figures</span></summary>
<div class="table-wrap" role="region" aria-label="Số liệu của biểu đồ / Chart figures" tabindex="0"><table>
<thead><tr><th scope="col">Kỳ <span lang="en">/ Period</span></th><th scope="col" class="num">Giá trị
<span lang="en">/ Value</span></th>{head}</tr></thead>
<tbody>
{rows}
</tbody></table></div></details>"""


def _dictionary(ds: Dataset) -> str:
    rows = "\n".join(_dictionary_row(f) for f in ds.fields)
    return f"""<section aria-labelledby="columns"><h2 id="columns">Các cột <span lang="en" class="en">Column
dictionary</span></h2>
<div class="table-wrap" role="region" aria-label="Các cột / Column dictionary" tabindex="0">
<table class="dictionary">
<thead><tr><th scope="col">Cột <span lang="en">/ Column</span></th><th scope="col">Tên, mô tả</th>
<th scope="col" lang="en">Label, description</th><th scope="col">Kiểu <span lang="en">/ Type</span></th>
<th scope="col">Đơn vị <span lang="en">/ Unit</span></th></tr></thead>
<tbody>
{rows}
</tbody></table></div></section>"""


def _dictionary_row(f: Field) -> str:
    kind = TYPES.get(f.table_type, Bilingual(f.table_type, f.table_type))
    unit = bilingual(f.unit) if f.unit else ""
    return (f"<tr><td><code>{escape(f.name)}</code></td><td>{_label(f.title.vi, f.description.vi)}</td>"
            f'<td lang="en">{_label(f.title.en, f.description.en)}</td><td>{bilingual(kind)}</td>'
            f"<td>{unit}</td></tr>")


def _label(title: str, description: str) -> str:
    """The label, then the description where it says more than the label."""
    extra = "" if description.rstrip(" .") == title else f"<br><small>{escape(description)}</small>"
    return f"<strong>{escape(title)}</strong>{extra}"


def _preview(view: DatasetView) -> str:
    ds = view.dataset
    names = [f.name for f in ds.fields]
    numeric = [f.kind in NUMERIC_KINDS for f in ds.fields]
    head = "".join(f'<th scope="col"{_NUM if n else ""} title="{escape(f.title.vi)}">{escape(f.name)}</th>'
                   for f, n in zip(ds.fields, numeric, strict=True))
    body = "\n".join("<tr>" + "".join(_cell(v, n) for v, n in zip(row, numeric, strict=True)) + "</tr>"
                     for row in view.preview)
    shown = len(view.preview)
    flag = (f" Ô trống trong cột số đếm là ô được để trống để bảo vệ dữ liệu cá nhân (xem cột <code>{FLAG_COLUMN}"
            f"</code>).") if FLAG_COLUMN in names else ""
    return f"""<section aria-labelledby="preview">
<h2 id="preview">Xem trước <span lang="en" class="en">Preview</span></h2>
<p>{shown} dòng đầu của tệp <a href="{escape(ds.code)}.csv">{escape(ds.code)}.csv</a>, đúng như tệp ghi
(trên tổng số {vn_number(view.entry["rows"])} dòng).{flag} <span lang="en" class="en">The first {shown} rows of the
CSV file exactly as it writes them (of {view.entry["rows"]} rows).</span></p>
<div class="table-wrap" role="region" aria-label="Xem trước / Preview" tabindex="0">
<table class="preview">
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody></table></div></section>"""


def _cell(value: str, numeric: bool) -> str:
    classes = " ".join(c for c in ("num" if numeric else "", "empty" if value == "" else "") if c)
    return f'<td class="{classes}">{escape(value)}</td>' if classes else f"<td>{escape(value)}</td>"
