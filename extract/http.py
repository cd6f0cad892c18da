"""The one HTTP client every connector uses: bearer auth, timeouts, retries with backoff, pagination."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A source answered in a way we cannot load (bad status after retries, malformed page)."""


def session(token: str, retries: int, backoff_s: float = 0.5) -> requests.Session:
    """A session that retries connection errors and 429/5xx answers with exponential backoff."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_s,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    s = requests.Session()
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    return s


def fetch_pages(
    http: requests.Session,
    base_url: str,
    path: str,
    params: Mapping[str, object],
    timeout_s: float,
    on_meta: Callable[[dict[str, object]], None] | None = None,
) -> Iterator[list[dict[str, object]]]:
    """Yield the ``data`` list of each page, following ``links.next`` until it is null.

    Pages must come in order (``meta.page`` 1, 2, 3, ...) and add up to ``meta.total_rows``; a repeated,
    skipped or truncated page raises :class:`SourceError` (after the rows already yielded, so a loader
    consuming them rolls its batch back).
    """
    url: str | None = urljoin(base_url, path)
    query: Mapping[str, object] | None = params
    page_no = 0
    rows_seen = 0
    total_rows: object = None
    while url:
        page_no += 1
        try:
            resp = http.get(url, params=query, timeout=timeout_s)
        except requests.RequestException as exc:
            raise SourceError(f"GET {url} (page {page_no}) failed after retries: {exc}") from exc
        if resp.status_code != 200:
            raise SourceError(f"GET {resp.url} (page {page_no}) answered HTTP {resp.status_code}: {resp.text[:300]}")
        try:
            body = resp.json()
            data = body["data"]
            next_link = body["links"]["next"]
            meta = body.get("meta") or {}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"GET {resp.url} (page {page_no}): not a page with data and links.next ({exc})") from exc
        if not isinstance(data, list):
            raise SourceError(f"GET {resp.url} (page {page_no}): 'data' is {type(data).__name__}, expected a list")
        if "page" in meta and meta["page"] != page_no:
            raise SourceError(f"GET {resp.url}: expected page {page_no}, the source sent page {meta['page']}"
                              " (repeated or skipped page)")
        total_rows = meta.get("total_rows", total_rows)
        if on_meta:
            on_meta(meta)
        log.debug("fetched page %s of %s: %s rows", page_no, path, len(data))
        rows_seen += len(data)
        yield data
        url = urljoin(base_url, next_link) if next_link else None
        query = None  # the next link carries its own query string
    if isinstance(total_rows, int) and rows_seen != total_rows:
        raise SourceError(f"GET {urljoin(base_url, path)}: received {rows_seen} rows but the source announced"
                          f" {total_rows} (truncated pages)")
