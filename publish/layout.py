"""The page shell every page of the site shares (head, header, navigation, footer) and how pages write numbers,
periods and dates: Vietnamese first, English beside it, one stylesheet, no resource from outside the folder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from publish.catalogue import FREQUENCIES, SYNTHETIC_TAG, Dataset
from publish.dbt_docs import Bilingual

STYLESHEET = "site.css"
SCRIPT = "site.js"
ICON = "favicon.svg"  # declared, so no browser asks the server for a /favicon.ico it does not have
HOME = "index.html"
QUALITY = "quality.html"
#: The shared metadata files, linked from every footer.
METADATA_LINKS = (("datapackage.json", "Data Package"), ("catalog.jsonld", "DCAT"), ("manifest.json", "Manifest"))
SITE_NAME = Bilingual("Dữ liệu mở chuyển đổi số tỉnh Lâm Đồng", "Lâm Đồng digital-government open data")
#: Dates in the manifest are UTC; people read them in the province's time.
LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class NavItem:
    href: str
    label: Bilingual


_CURRENT = ' aria-current="page"'
NAV = (NavItem(HOME, Bilingual("Tập dữ liệu", "Datasets")),
       NavItem(QUALITY, Bilingual("Chất lượng số liệu", "Data quality")),
       NavItem(f"{HOME}#metadata", Bilingual("Siêu dữ liệu", "Metadata")))


def page(title: Bilingual, body: str, *, current: str, script: bool = False) -> bytes:
    """A whole HTML document: ``body`` (the page's ``<main>`` content) inside the shared header and footer;
    ``current`` is the page's file name (its navigation link is marked)."""
    script_tag = f'\n<script src="{SCRIPT}" defer></script>' if script else ""
    document = f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title.vi)} / {escape(title.en)} · {escape(SITE_NAME.vi)}</title>
<link rel="icon" href="{ICON}" type="image/svg+xml">
<link rel="stylesheet" href="{STYLESHEET}">{script_tag}
</head>
<body>
<a class="skip" href="#main">Bỏ qua đến nội dung chính <span lang="en">/ Skip to content</span></a>
{_header(current)}
<main id="main" tabindex="-1">
{body}
</main>
{_footer()}
</body>
</html>
"""
    return document.encode("utf-8")


def _header(current: str) -> str:
    items = "\n".join(
        f'<li><a href="{escape(item.href)}"{_CURRENT if item.href == current else ""}>'
        f'{escape(item.label.vi)} <span lang="en">{escape(item.label.en)}</span></a></li>' for item in NAV)
    return f"""<header class="site-header">
<div class="wrap">
<a class="brand" href="{HOME}">{escape(SITE_NAME.vi)} <span lang="en">{escape(SITE_NAME.en)}</span></a>
<nav aria-label="Trang / Pages"><ul>
{items}
</ul></nav>
</div>
</header>"""


def _footer() -> str:
    links = " · ".join(f'<a href="{name}">{escape(label)} ({name})</a>' for name, label in METADATA_LINKS)
    return f"""<footer class="site-footer">
<div class="wrap">
<p>{escape(SITE_NAME.vi)} <span lang="en">/ {escape(SITE_NAME.en)}</span></p>
<p>Siêu dữ liệu máy đọc <span lang="en">/ Machine-readable metadata</span>: {links}</p>
<p><a href="{QUALITY}">Chất lượng số liệu <span lang="en">/ Data quality</span></a></p>
</div>
</footer>"""


def bilingual(text: Bilingual, tag: str = "span") -> str:
    """Vietnamese, then the English beside it in its own ``lang="en"`` element (once when both are the same)."""
    if text.en == text.vi:
        return escape(text.vi)
    return f'{escape(text.vi)} <{tag} lang="en" class="en"><span class="sep">/ </span>{escape(text.en)}</{tag}>'


def vn_number(value: Decimal | int | None) -> str:
    """A value in Vietnamese format: 1.190.533 and 95,88."""
    if value is None:
        return ""
    text = f"{value:,f}".rstrip("0").rstrip(".") if "." in f"{value}" else f"{value:,}"
    return escape(text.replace(",", " ").replace(".", ",").replace(" ", "."))


def period_label(day: date, *, monthly: bool) -> str:
    """A period as people write it: 7/2025 for a month, else 05/03/2026."""
    return f"{day.month}/{day.year}" if monthly else f"{day:%d/%m/%Y}"


def local_datetime(stamp: str) -> str:
    """A manifest timestamp (ISO 8601, UTC) in the province's time: 01/12/2026 23:59."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(LOCAL_TIME)
    return f"{moment:%d/%m/%Y %H:%M}"


def file_size(size: int) -> str:
    """Bytes as people read them: 930 B, 114,4 kB, 1,2 MB (decimal units)."""
    if size < 1000:
        return f"{size} B"
    for unit, factor in (("kB", 1000), ("MB", 1000**2), ("GB", 1000**3)):
        if size < factor * 1000 or unit == "GB":
            return f"{vn_number(Decimal(size / factor).quantize(Decimal('0.1')))} {unit}"
    raise AssertionError("unreachable")


def plain_title(ds: Dataset) -> Bilingual:
    """The dataset's title without the synthetic tag (pages show a badge instead)."""
    if not ds.is_synthetic:
        return ds.title
    return Bilingual(ds.title.vi.removesuffix(f" {SYNTHETIC_TAG.vi}"), ds.title.en.removesuffix(f" {SYNTHETIC_TAG.en}"))


def synthetic_badge(ds: Dataset) -> str:
    if not ds.is_synthetic:
        return ""
    return '<span class="badge">Dữ liệu mô phỏng <span lang="en">/ Synthetic data</span></span>'


def coverage(ds: Dataset) -> str:
    """Temporal coverage as people write it: 01/07/2025 – 31/03/2026."""
    start = f"{ds.temporal_start:%d/%m/%Y}" if ds.temporal_start else "?"
    end = f"{ds.temporal_end:%d/%m/%Y}" if ds.temporal_end else "?"
    return f"{start} – {end}"


def frequency(ds: Dataset) -> Bilingual:
    _, vi, en = FREQUENCIES[ds.update_frequency]
    return Bilingual(vi, en)


def page_name(code: str) -> str:
    """The file name of a dataset's page, beside its data files."""
    return f"{code}.html"
