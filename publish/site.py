"""Render index.html for the export folder, so any plain web server can serve it as a small open-data site."""

from __future__ import annotations

from html import escape

from publish.catalogue import Catalogue, Dataset


def index_html(catalogue: Catalogue, published: dict[str, dict], metadata_files: list[str]) -> bytes:
    """A bilingual list of datasets with their files, metadata and dates; ``published`` is the manifest entries."""
    items = "\n".join(_dataset_item(ds, published[ds.code]) for ds in catalogue.datasets)
    links = " · ".join(f'<a href="{escape(name)}">{escape(name)}</a>' for name in metadata_files)
    page = f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Dữ liệu mở chuyển đổi số tỉnh Lâm Đồng / Lâm Đồng digital-government open data</title>
</head>
<body>
<h1>Dữ liệu mở chuyển đổi số tỉnh Lâm Đồng</h1>
<p lang="en">Lâm Đồng digital-government open data</p>
<p>Cơ quan công bố / Publisher: {escape(catalogue.publisher.name.vi)} ({escape(catalogue.publisher.name.en)})</p>
<p>Siêu dữ liệu / Metadata: {links}</p>
<ul>
{items}
</ul>
</body>
</html>
"""
    return page.encode("utf-8")


def _dataset_item(ds: Dataset, entry: dict) -> str:
    files = " · ".join(f'<a href="{escape(f["path"])}">{escape(ext.upper())}</a>' for ext, f in entry["files"].items())
    return (f'<li><strong>{escape(ds.title.vi)}</strong> / <span lang="en">{escape(ds.title.en)}</span><br>'
            f"{escape(ds.publisher.name.vi)} · {entry['rows']} dòng / rows · "
            f"cập nhật / modified {escape(entry['modified'])} · {files}</li>")
