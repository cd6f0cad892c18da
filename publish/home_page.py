"""Render the home page (index.html): the datasets grouped by topic, a search box over them, and the metadata
files; every dataset card links to its page and straight to its files."""

from __future__ import annotations

from html import escape

from publish.catalogue import Catalogue, Dataset
from publish.dataset_page import FILE_ORDER
from publish.dbt_docs import Bilingual
from publish.layout import (
    HOME,
    QUALITY,
    SITE_NAME,
    bilingual,
    coverage,
    file_size,
    frequency,
    page,
    page_name,
    plain_title,
    synthetic_badge,
    vn_number,
)

#: The machine-readable files of the folder and what each is for.
METADATA = (
    ("datapackage.json", Bilingual("Gói dữ liệu Frictionless: lược đồ từng tệp CSV",
                                   "Frictionless Data Package: the schema of every CSV file")),
    ("catalog.jsonld", Bilingual("Danh mục DCAT (JSON-LD) cho các cổng dữ liệu",
                                 "DCAT catalogue (JSON-LD) for portals")),
    ("manifest.json", Bilingual("Danh sách tệp, số dòng, mã băm SHA-256 và ngày cập nhật",
                                "Files, rows, SHA-256 checksums and dates")),
)


def index_html(catalogue: Catalogue, published: dict[str, dict]) -> bytes:
    """The home page; ``published`` is the manifest entry of every dataset by code."""
    topics = _by_topic(catalogue.datasets)
    sections = "\n".join(_topic_section(topic, items, published) for topic, items in topics)
    body = "\n".join([
        f"<h1>{bilingual(SITE_NAME)}</h1>",
        _intro(catalogue),
        _search_form(),
        sections,
        '<p id="no-results" class="no-results" hidden>Không tìm thấy tập dữ liệu nào. <span lang="en">No dataset'
        " matches.</span></p>",
        _metadata_section(),
    ])
    return page(Bilingual("Trang chủ", "Home"), body, current=HOME, script=True)


def _by_topic(datasets: tuple[Dataset, ...]) -> list[tuple[Bilingual, list[Dataset]]]:
    topics: dict[Bilingual, list[Dataset]] = {}
    for ds in datasets:
        topics.setdefault(ds.topic, []).append(ds)
    return sorted(topics.items(), key=lambda item: item[0].vi)


def _intro(catalogue: Catalogue) -> str:
    count = len(catalogue.datasets)
    synthetic = any(ds.is_synthetic for ds in catalogue.datasets)
    note = ('<p class="note">Lưu ý: các tập có nhãn «Dữ liệu mô phỏng» chứa số liệu do bộ mô phỏng sinh ra, không phải'
            ' số liệu thống kê chính thức. <span lang="en">Note: datasets labelled "Synthetic data" hold generated'
            " figures, not official statistics.</span></p>") if synthetic else ""
    return f"""<p class="lead">{count} tập dữ liệu mở về chuyển đổi số và cải cách hành chính của tỉnh Lâm Đồng, do
{escape(catalogue.publisher.name.vi)} công bố, theo giấy phép mở. Mỗi tập có trang mô tả, từ điển cột, bản xem trước
và tệp XLSX, CSV, JSON để tải về; tập theo thời gian có biểu đồ chỉ số chính của toàn tỉnh.</p>
<p lang="en" class="en">{count} open datasets on Lâm Đồng's digital transformation and administrative reform,
published by {escape(catalogue.publisher.name.en)} under an open licence. Each has a page with a column dictionary,
a preview and XLSX, CSV and JSON files; series over time chart their main indicator for the whole province.</p>
{note}"""


def _search_form() -> str:
    """Hidden until the script runs: without it the whole list shows and a dead box would mislead."""
    return """<form id="search" class="search" role="search" action="index.html" method="get" hidden>
<label for="q">Tìm tập dữ liệu <span lang="en">/ Search the datasets</span></label>
<div class="search-row">
<input id="q" name="q" type="search" autocomplete="off" aria-describedby="search-status"
 placeholder="ví dụ: dinh danh, thanh toán, payment">
<button type="submit">Tìm <span lang="en">/ Search</span></button>
</div>
<p id="search-status" class="search-status" aria-live="polite"></p>
</form>"""


def _topic_section(topic: Bilingual, datasets: list[Dataset], published: dict[str, dict]) -> str:
    cards = "\n".join(_card(ds, published[ds.code]) for ds in datasets)
    return f"""<section class="topic">
<h2>{bilingual(topic)}</h2>
<ul class="cards">
{cards}
</ul>
</section>"""


def _card(ds: Dataset, entry: dict) -> str:
    title = plain_title(ds)
    files = entry["files"]
    downloads = " · ".join(
        f'<span class="file"><a href="{escape(files[ext]["path"])}">{escape(ext.upper())}</a>'
        f' <span class="size">{escape(file_size(files[ext]["bytes"]))}</span></span>'
        for ext in FILE_ORDER if ext in files)
    freq = frequency(ds)
    return f"""<li class="card" data-search="{escape(search_text(ds))}">
<h3><a href="{escape(page_name(ds.code))}">{escape(title.vi)}</a>
<span lang="en" class="en">{escape(title.en)}</span></h3>
{synthetic_badge(ds)}
<p class="summary">{escape(ds.summary.vi)}</p>
<p class="facts">{bilingual(ds.publisher.name)} · {escape(coverage(ds))} ·
{bilingual(Bilingual(f"{vn_number(entry['rows'])} dòng", f"{entry['rows']} rows"))} ·
{bilingual(Bilingual(f"cập nhật {freq.vi}", f"updated {freq.en}"))}</p>
<ul class="keywords" aria-label="Từ khóa / Keywords">{"".join(f"<li>{escape(k)}</li>" for k in ds.keywords)}</ul>
<p class="downloads">Tải về <span lang="en">/ Download</span>: {downloads}</p>
</li>"""


def search_text(ds: Dataset) -> str:
    """What the search box looks through: titles, descriptions, keywords and topic, in both languages."""
    title = plain_title(ds)
    return " ".join([title.vi, title.en, ds.summary.vi, ds.summary.en, *ds.keywords, ds.topic.vi, ds.topic.en])


def _metadata_section() -> str:
    items = "\n".join(f'<li><a href="{name}">{name}</a>: {bilingual(text)}</li>' for name, text in METADATA)
    return f"""<section id="metadata" class="panel" aria-labelledby="metadata-title">
<h2 id="metadata-title">Siêu dữ liệu và chất lượng <span lang="en" class="en">Metadata and quality</span></h2>
<ul>
{items}
<li><a href="{QUALITY}">{QUALITY}</a>: {bilingual(Bilingual(
        "Chất lượng số liệu: các phát hiện của lần dựng kho gần nhất, theo cơ quan và tệp",
        "Data quality: the last build's findings, by agency and file"))}</li>
</ul>
</section>"""
