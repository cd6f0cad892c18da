"""The one HTTP client every connector uses: bearer auth, retries, pagination, kept on the source origin and limits."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_READ_CHUNK = 64 * 1024


class SourceError(RuntimeError):
    """A source answered in a way we cannot load (bad status after retries, malformed page, a limit hit)."""


@dataclass(frozen=True)
class FetchLimits:
    """How far one fetch (one batch period, all its pages) may go; each limit is a ``CHISO_HTTP_*`` setting."""

    timeout_s: float = 30.0  # each socket operation (connect, one read): CHISO_HTTP_TIMEOUT_S
    max_pages: int = 10_000  # pages per fetch: CHISO_HTTP_MAX_PAGES
    deadline_s: float = 600.0  # wall clock for all pages, retries and slow bodies: CHISO_HTTP_DEADLINE_S
    max_page_bytes: int = 32 * 2**20  # one page's body: CHISO_HTTP_MAX_PAGE_BYTES

    def __post_init__(self) -> None:
        for name in ("timeout_s", "max_pages", "deadline_s", "max_page_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not value > 0:
                raise ValueError(f"FetchLimits.{name} must be greater than 0, got {value!r}")


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` as requests will connect to it (lower case, default port filled in).

    Raises ValueError for a URL that is not http(s) with a host, or that carries credentials.
    """
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        # urllib.parse and urllib3 split such URLs differently (http://a\@b/): refuse rather than guess
        raise ValueError("contains whitespace, control characters or a backslash")
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)  # parse it the way requests will when it connects
        parts = urlsplit(prepared.url or "")
        port = parts.port
    except (requests.RequestException, ValueError) as exc:
        raise ValueError(f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"scheme {scheme or 'none'!r} is not http or https")
    if not parts.hostname:
        raise ValueError("has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("carries credentials (user@host)")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{scheme}://{host}:{port or _DEFAULT_PORTS[scheme]}"


def _on_origin(url: str, expected: str, what: str) -> str:
    """``url`` as requests will send it, or SourceError when it is not on the ``expected`` origin."""
    try:
        got = origin(url)
    except ValueError as exc:
        raise SourceError(f"{what} {url!r} {exc}; expected a URL on the source's origin {expected};"
                          " refused without requesting it") from None
    if got != expected:
        raise SourceError(f"{what} {url!r} is on {got}, not on the source's origin {expected};"
                          " refused without requesting it (the bearer token stays on the source)")
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, None)
    return prepared.url or url


def _refuse_redirects(resp: requests.Response, *args: object, **kwargs: object) -> requests.Response:
    """Response hook: a 3xx is an error naming its Location, so requests never follows (or re-sends auth) anywhere."""
    if 300 <= resp.status_code < 400:
        location = resp.headers.get("Location")
        resp.close()
        raise SourceError(f"GET {resp.url} answered HTTP {resp.status_code} redirecting to {location!r};"
                          f" redirects are not followed (expected the page itself from {_safe_origin(resp.url)})")
    return resp


def _safe_origin(url: str) -> str:
    try:
        return origin(url)
    except ValueError:
        return url


def session(token: str, retries: int, backoff_s: float = 0.5) -> requests.Session:
    """A session that retries connection errors and 429/5xx answers with backoff, and never follows a redirect."""
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
    s.hooks["response"].append(_refuse_redirects)
    return s


def fetch_pages(
    http: requests.Session,
    base_url: str,
    path: str,
    params: Mapping[str, object],
    limits: FetchLimits,
    on_meta: Callable[[dict[str, object]], None] | None = None,
) -> Iterator[list[dict[str, object]]]:
    """Yield the ``data`` list of each page, following ``links.next`` until it is null.

    Every page must be on ``base_url``'s origin (a link elsewhere is refused before any request), well
    formed (typed ``meta``, ``data`` a list of objects), in order (``meta.page`` 1, 2, 3, ...), never a
    page already fetched, and the pages must add up to ``meta.total_rows``; ``limits`` caps the pages,
    each page's size and the wall-clock time. A breach raises :class:`SourceError` (after the rows
    already yielded, so a loader consuming them rolls its batch back).
    """
    try:
        expected = origin(base_url)
    except ValueError as exc:
        raise SourceError(f"the source URL {base_url!r} {exc}") from None
    label = f"GET {urljoin(base_url, path)}"
    url: str | None = _on_origin(requests.Request("GET", urljoin(base_url, path), params=params).prepare().url or "",
                                 expected, f"{label}: the first page")
    deadline = time.monotonic() + limits.deadline_s
    seen: set[str] = set()
    page_no = rows_seen = 0
    total_rows: int | None = None
    while url:
        page_no += 1
        where = f"{label} (page {page_no})"
        if page_no > limits.max_pages:
            raise SourceError(f"{label}: more than {limits.max_pages} pages, the cap per batch period"
                              f" (CHISO_HTTP_MAX_PAGES={limits.max_pages}; raise it if the source really has more);"
                              f" next link {url}")
        seen.add(url)
        data, next_link, meta = _parse_page(_get_json(http, url, limits, deadline, where), where)
        _check_meta(meta, page_no, len(data), where)
        if "total_rows" in meta:
            if total_rows is not None and meta["total_rows"] != total_rows:
                raise SourceError(f"{where}: meta.total_rows changed from {total_rows} to {meta['total_rows']}")
            total_rows = meta["total_rows"]
        rows_seen += len(data)
        if total_rows is not None and rows_seen > total_rows:
            raise SourceError(f"{where}: received {rows_seen} rows so far but the source announced {total_rows}")
        url = None
        if next_link is not None:
            url = _on_origin(urljoin(base_url, next_link), expected, f"{where}: links.next")
            if url in seen:
                raise SourceError(f"{where}: links.next {url} is a page already fetched (a pagination loop)")
        if on_meta:
            on_meta(meta)
        log.debug("fetched page %s of %s: %s rows", page_no, path, len(data))
        yield data
    if total_rows is not None and rows_seen != total_rows:
        raise SourceError(f"{label}: received {rows_seen} rows but the source announced"
                          f" {total_rows} (truncated pages)")


@dataclass(frozen=True)
class _Answer:
    status: int
    location: str | None
    body: bytes


def _get_json(http: requests.Session, url: str, limits: FetchLimits, deadline: float, where: str) -> object:
    """The page at ``url`` decoded from JSON; any status but 200 (3xx included) is an error."""
    answer = _get_before_deadline(http, url, limits, deadline, where)
    if answer.status != 200:
        redirect = f" redirecting to {answer.location!r} (redirects are not followed)" if answer.location else ""
        raise SourceError(f"{where}: GET {url} answered HTTP {answer.status}{redirect}:"
                          f" {answer.body[:300].decode('utf-8', 'replace')}")
    try:
        return json.loads(answer.body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested thousands deep
        raise SourceError(f"{where}: the answer is not JSON ({str(exc)[:200]})") from None


def _no_constant(name: str) -> object:
    """JSON has no NaN or Infinity (Python's decoder accepts them); a source that sends them sends no figure."""
    raise ValueError(f"{name} is not a JSON number")


def _get_before_deadline(http: requests.Session, url: str, limits: FetchLimits, deadline: float,
                         where: str) -> _Answer:
    """GET ``url`` in a worker thread, so nothing (retries, a stalled or dripping answer) outlasts the deadline.

    requests' timeout bounds each socket read, not the whole answer; the worker is told to stop when
    the deadline passes and ends at its next read.
    """
    remaining = deadline - time.monotonic()
    outcome: list[_Answer | BaseException] = []
    cancel = threading.Event()

    def work() -> None:
        try:
            outcome.append(_get(http, url, limits, min(limits.timeout_s, remaining), cancel, where))
        except BaseException as exc:  # handed to the waiting thread, which raises it
            outcome.append(exc)

    if remaining > 0:
        worker = threading.Thread(target=work, name=f"chiso-http {url}", daemon=True)
        worker.start()
        worker.join(remaining)
        if not worker.is_alive():
            if isinstance(outcome[0], BaseException):
                raise outcome[0]
            return outcome[0]
    cancel.set()
    raise SourceError(f"{where}: the deadline of {limits.deadline_s:g} s per batch period passed"
                      f" (CHISO_HTTP_DEADLINE_S={limits.deadline_s:g}; pages, retries and slow answers all count)"
                      f" while fetching {url}")


def _get(http: requests.Session, url: str, limits: FetchLimits, timeout_s: float, cancel: threading.Event,
         where: str) -> _Answer:
    try:
        resp = http.get(url, timeout=timeout_s, stream=True, allow_redirects=False)
    except requests.RequestException as exc:
        raise SourceError(f"{where}: GET {url} failed after retries: {exc}") from exc
    except SourceError as exc:  # the session refused a redirect
        raise SourceError(f"{where}: {exc}") from None
    with resp:
        if 300 <= resp.status_code < 400:
            return _Answer(resp.status_code, resp.headers.get("Location"), b"")
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limits.max_page_bytes:
            raise _too_big(limits, where, f"announces {declared} bytes")
        chunks, size = [], 0
        try:
            while not cancel.is_set() and (chunk := resp.raw.read1(_READ_CHUNK, decode_content=True)):
                size += len(chunk)
                if size > limits.max_page_bytes:
                    raise _too_big(limits, where, f"sent more than {limits.max_page_bytes} bytes")
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SourceError(f"{where}: reading the answer of GET {url} failed: {exc}") from exc
        return _Answer(resp.status_code, None, b"".join(chunks))


def _too_big(limits: FetchLimits, where: str, what: str) -> SourceError:
    return SourceError(f"{where}: the page {what}, over the cap of {limits.max_page_bytes} bytes per page"
                       f" (CHISO_HTTP_MAX_PAGE_BYTES={limits.max_page_bytes}; or ask for smaller pages,"
                       " CHISO_HTTP_PAGE_SIZE)")


def _parse_page(body: object, where: str) -> tuple[list[dict[str, object]], str | None, dict[str, object]]:
    """``data``, ``links.next`` and ``meta`` of a page, each checked for its type."""
    if not isinstance(body, dict):
        raise SourceError(f"{where}: the page is JSON {type(body).__name__}, expected an object with data and links")
    if "data" not in body or not isinstance(body.get("links"), dict) or "next" not in body["links"]:
        raise SourceError(f"{where}: not a page with 'data' and 'links.next' (keys {sorted(body)})")
    data, next_link, meta = body["data"], body["links"]["next"], body.get("meta", {})
    if not isinstance(data, list):
        raise SourceError(f"{where}: 'data' is {type(data).__name__}, expected a list")
    for n, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise SourceError(f"{where}: 'data' item {n} is {type(row).__name__} {row!r:.80}, expected an object")
    if next_link is not None and (not isinstance(next_link, str) or not next_link):
        raise SourceError(f"{where}: 'links.next' is {next_link!r}, expected null or a URL string")
    if not isinstance(meta, dict):
        raise SourceError(f"{where}: 'meta' is {type(meta).__name__}, expected an object")
    return data, next_link, meta


def _check_meta(meta: dict[str, object], page_no: int, rows: int, where: str) -> None:
    """The meta fields chiso reads have their types: counts are integers, ``server_time`` a zoned ISO time."""
    for name, least in (("page", 1), ("page_size", 1), ("total_rows", 0)):
        if name in meta:
            value = meta[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise SourceError(f"{where}: 'meta.{name}' is {value!r} ({type(value).__name__}),"
                                  f" expected an integer >= {least}")
    if "page" in meta and meta["page"] != page_no:
        raise SourceError(f"{where}: expected page {page_no}, the source sent page {meta['page']}"
                          " (repeated or skipped page)")
    if "page_size" in meta and rows > meta["page_size"]:
        raise SourceError(f"{where}: {rows} rows on a page of meta.page_size {meta['page_size']}")
    if "server_time" in meta:
        value = meta["server_time"]
        try:
            stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            stamp = None
        if stamp is None or stamp.tzinfo is None:
            raise SourceError(f"{where}: 'meta.server_time' is {value!r}, expected an ISO timestamp with a time zone")
