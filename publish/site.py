"""The export folder as a static site any web server (or file://) can serve: every page and asset by file name.

Pages link to each other and to the data files by relative links only and render without fetching anything;
their bytes depend on the marts and the manifest's dates alone, so an unchanged night rewrites none of them.
"""

from __future__ import annotations

from publish.assets import assets
from publish.catalogue import Catalogue, CatalogueError
from publish.dataset_page import DatasetView, dataset_html
from publish.home_page import index_html
from publish.layout import HOME, QUALITY, page_name

#: Pages the site itself takes: a dataset code may not take them (its page would overwrite them).
RESERVED = (HOME, QUALITY)


def site_files(catalogue: Catalogue, published: dict[str, dict], views: list[DatasetView],
               quality_page: bytes) -> dict[str, bytes]:
    """The home page, one page per dataset, the data-quality page and the shared assets."""
    files = {HOME: index_html(catalogue, published)}
    for view in views:
        name = page_name(view.dataset.code)
        if name in RESERVED:
            raise CatalogueError(f"dataset {view.dataset.code}: its page {name} would replace the site's own file;"
                                 " rename the exposure")
        files[name] = dataset_html(view)
    files[QUALITY] = quality_page
    files.update(assets())
    return files
