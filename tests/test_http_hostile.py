"""A hostile source cannot send the token elsewhere, hold a fetch open, loop it, or slip a mistyped page past it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chiso.config import settings
from chiso.extraction import extract_source
from extract.http import FetchLimits, SourceError, fetch_pages, origin, session

TOKEN = "hostile-test-token"
FEED_PATH = "/api/v1/feed"
FAST = FetchLimits(timeout_s=2.0, max_pages=50, deadline_s=5.0, max_page_bytes=64 * 1024)

Behaviour = Callable[["_Handler", "Server"], None]


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.owner.seen.append((self.path, self.headers.get("Authorization")))
        self.server.owner.behave(self, self.server.owner)

    def log_message(self, *args: object) -> None:
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: Server


@dataclass
class Server:
    """A loopback server doing ``behave`` to every GET; ``seen`` holds each request's path and Authorization."""

    host: str
    behave: Behaviour
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    httpd: _HTTPServer | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@pytest.fixture
def serve() -> Iterator[Callable[[str, Behaviour], Server]]:
    started: list[Server] = []

    def start(host: str, behave: Behaviour) -> Server:
        server = Server(host, behave)
        server.httpd = _HTTPServer((host, 0), _Handler)
        server.httpd.owner = server
        threading.Thread(target=server.httpd.serve_forever, args=(0.05,), daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.httpd.shutdown()
        server.httpd.server_close()


def send_json(handler: _Handler, body: object, status: int = 200, headers: dict[str, str] | None = None) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(raw)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(raw)


def page(data: object = ({"n": 1},), next_link: object = None, **meta: object) -> dict[str, object]:
    return {"data": list(data) if isinstance(data, tuple) else data, "meta": meta, "links": {"next": next_link}}


def page_number(handler: _Handler) -> int:
    return int(parse_qs(urlsplit(handler.path).query).get("page", ["1"])[0])


def spied_session(retries: int = 0, backoff_s: float = 0.5) -> tuple[requests.Session, list[str]]:
    """chiso's session, with a list of every URL it really sends."""
    http = session(TOKEN, retries, backoff_s)
    sent: list[str] = []
    real_send = http.send

    def spy(request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        sent.append(request.url)
        return real_send(request, **kwargs)

    http.send = spy  # type: ignore[method-assign]
    return http, sent


def fetch_all(http: requests.Session, source: Server, limits: FetchLimits = FAST) -> list[list[dict[str, object]]]:
    return list(fetch_pages(http, source.url, FEED_PATH, {"page": 1}, limits))


def only_on(source: Server, sent: list[str]) -> bool:
    return bool(sent) and all(origin(url) == origin(source.url) for url in sent)


# --- the origin -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Example.ORG/a?b=1", "http://example.org:80"),
    ("http://example.org:80/", "http://example.org:80"),
    ("https://example.org/", "https://example.org:443"),
    ("https://EXAMPLE.org:8443/x", "https://example.org:8443"),
    ("http://[::1]:8080/", "http://[::1]:8080"),
])
def test_origins_compare_normalised(url, expected):
    assert origin(url) == expected


@pytest.mark.parametrize("url", ["ftp://example.org/", "file:///etc/passwd", "http://user:pw@example.org/",
                                 "http://a.example\\@b.example/", "//example.org/x", "http://exa mple.org/"])
def test_urls_that_are_no_plain_http_origin_are_refused(url):
    with pytest.raises(ValueError):  # noqa: PT011 - each URL is refused for its own reason
        origin(url)


def test_a_same_origin_next_link_is_followed_however_it_is_spelled(serve):
    def two_pages(handler, server):
        if page_number(handler) == 1:
            return send_json(handler, page(next_link=f"HTTP://{server.host}:{server.port}{FEED_PATH}?page=2",
                                           page=1, total_rows=2))
        send_json(handler, page([{"n": 2}], page=2, total_rows=2))

    source = serve("127.0.0.1", two_pages)
    http, sent = spied_session()
    pages = fetch_all(http, source)
    assert only_on(source, sent)
    assert pages == [[{"n": 1}], [{"n": 2}]]
    assert [auth for _, auth in source.seen] == [f"Bearer {TOKEN}"] * 2


# --- links elsewhere: refused before any request ----------------------------------------------------------------

OFF_ORIGIN_LINKS = {
    "another host": ("127.0.0.2", "http://127.0.0.2:{other}/steal"),
    "another port": ("127.0.0.1", "http://127.0.0.1:{other}/steal"),
    "localhost on another port": ("127.0.0.1", "http://localhost:{other}/steal"),
    "another scheme": ("127.0.0.1", "https://127.0.0.1:{source}/api/v1/feed?page=2"),
    "the database port": ("127.0.0.1", "http://127.0.0.1:5432/"),
    "userinfo naming the source before the other host": ("127.0.0.2", "http://127.0.0.1:{source}@127.0.0.2:{other}/"),
    "a backslash parsers disagree on": ("127.0.0.2", "http://127.0.0.2:{other}\\@127.0.0.1:{source}/"),
    "a non-http scheme": ("127.0.0.1", "file:///etc/passwd"),
}


@pytest.mark.parametrize("case", OFF_ORIGIN_LINKS, ids=list(OFF_ORIGIN_LINKS))
def test_a_next_link_off_the_source_origin_fails_without_a_request(serve, case):
    other_host, template = OFF_ORIGIN_LINKS[case]
    other = serve(other_host, lambda handler, server: send_json(handler, page(page=2)))
    links: dict[str, str] = {}

    def first_page_points_away(handler, server):
        send_json(handler, page(next_link=links["next"], page=1, total_rows=2))

    source = serve("127.0.0.1", first_page_points_away)
    links["next"] = template.format(other=other.port, source=source.port)

    http, sent = spied_session()
    with pytest.raises(SourceError) as err:
        fetch_all(http, source)

    assert repr(links["next"]) in str(err.value) and origin(source.url) in str(err.value)
    assert other.seen == []
    assert len(source.seen) == 1 and only_on(source, sent)


@pytest.mark.parametrize("where", ["another host", "the same origin"])
def test_a_redirect_is_an_error_and_the_token_goes_nowhere(serve, where):
    other = serve("127.0.0.2", lambda handler, server: send_json(handler, page(page=1)))

    def redirect(handler, server):
        target = f"{other.url}/elsewhere" if where == "another host" else f"{FEED_PATH}?page=1&moved=1"
        send_json(handler, {"moved": True}, status=302, headers={"Location": target})

    source = serve("127.0.0.1", redirect)
    http, sent = spied_session()
    with pytest.raises(SourceError, match="HTTP 302 redirecting to") as err:
        fetch_all(http, source)
    assert ("/elsewhere" if where == "another host" else "moved=1") in str(err.value)
    assert other.seen == []
    assert len(source.seen) == 1 and only_on(source, sent)


# --- loops, caps and the deadline -------------------------------------------------------------------------------

def test_a_next_link_back_to_the_same_page_is_a_loop_even_without_meta_page(serve):
    source = serve("127.0.0.1", lambda handler, server: send_json(handler, page(next_link=handler.path)))
    started = time.monotonic()
    with pytest.raises(SourceError, match="pagination loop"):
        fetch_all(spied_session()[0], source)
    assert len(source.seen) == 1 and time.monotonic() - started < 2


def test_an_endless_chain_of_new_links_stops_at_the_page_cap(serve):
    def endless(handler, server):
        send_json(handler, page(next_link=f"{FEED_PATH}?page=1&junk={len(server.seen)}"))

    source = serve("127.0.0.1", endless)
    limits = FetchLimits(timeout_s=2.0, max_pages=20, deadline_s=30.0)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"more than 20 pages.*CHISO_HTTP_MAX_PAGES=20"):
        fetch_all(spied_session()[0], source, limits)
    assert len(source.seen) == 20 and time.monotonic() - started < 5


def _drip_body(handler: _Handler, server: Server) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    _drip(handler, b'{"data": [' + b'{"n": 1}, ' * 2000)


def _drip_headers(handler: _Handler, server: Server) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    _drip(handler, b"".join(b"X-Slow-%d: %s\r\n" % (n, b"y" * 20) for n in range(90)))


def _drip(handler: _Handler, raw: bytes) -> None:
    """25 bytes every 0.3 s: each read succeeds well inside the socket timeout, the whole never ends."""
    for start in range(0, min(len(raw), 25 * 40), 25):
        try:
            handler.wfile.write(raw[start:start + 25])
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.3)


def _slow_pages(handler: _Handler, server: Server) -> None:
    time.sleep(0.4)
    send_json(handler, page(next_link=f"{FEED_PATH}?page={page_number(handler) + 1}", page=page_number(handler)))


@pytest.mark.parametrize("behave", [_drip_body, _drip_headers, _slow_pages],
                         ids=["dripping body", "dripping headers", "many slow pages"])
def test_a_slow_source_fails_at_the_deadline(serve, behave):
    source = serve("127.0.0.1", behave)
    limits = FetchLimits(timeout_s=1.0, max_pages=1000, deadline_s=2.0)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"deadline of 2 s .*CHISO_HTTP_DEADLINE_S=2"):
        fetch_all(spied_session()[0], source, limits)
    assert time.monotonic() - started < 2.0 + 1.0


def test_a_dripping_body_stops_being_read_after_the_deadline(serve):
    source = serve("127.0.0.1", _drip_body)
    with pytest.raises(SourceError, match="deadline"):
        fetch_all(spied_session()[0], source, FetchLimits(timeout_s=1.0, deadline_s=1.0))
    time.sleep(1.0)  # one drip, one read: the abandoned reader notices and closes
    assert not [t for t in threading.enumerate() if t.name.startswith("chiso-http") and source.url in t.name]


def test_retries_count_against_the_deadline(serve):
    source = serve("127.0.0.1", lambda handler, server: send_json(handler, {"error": "busy"}, status=503))
    http, _ = spied_session(retries=8, backoff_s=0.5)
    started = time.monotonic()
    with pytest.raises(SourceError, match="CHISO_HTTP_DEADLINE_S=2"):
        fetch_all(http, source, FetchLimits(timeout_s=1.0, deadline_s=2.0))
    assert time.monotonic() - started < 3.0
    assert len(source.seen) >= 2  # it did retry, inside the deadline


def _big_body(declared: bool) -> Behaviour:
    raw = json.dumps(page([{"n": n, "padding": "x" * 100} for n in range(1000)])).encode()

    def send(handler, server):
        handler.send_response(200)
        if declared:
            handler.send_header("Content-Length", str(len(raw)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(raw)
        handler.close_connection = True
    return send


@pytest.mark.parametrize("declared", [True, False], ids=["with Content-Length", "read until close"])
def test_a_page_over_the_size_cap_fails(serve, declared):
    source = serve("127.0.0.1", _big_body(declared))
    with pytest.raises(SourceError, match=r"over the cap of 65536 bytes .*CHISO_HTTP_MAX_PAGE_BYTES=65536"):
        fetch_all(spied_session()[0], source)


def test_a_compressed_page_is_capped_by_what_it_unpacks_to(serve):
    """A gzip bomb: 30 kB on the wire, 30 MB once decoded; reading stops at the cap."""
    import gzip

    bomb = gzip.compress(b'{"data": [' + b" " * 30_000_000 + b'], "links": {"next": null}}', 9)

    def send(handler, server):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        handler.wfile.write(bomb)

    assert len(bomb) < 65536
    with pytest.raises(SourceError, match="over the cap of 65536 bytes"):
        fetch_all(spied_session()[0], serve("127.0.0.1", send))


# --- pages whose fields have the wrong type ---------------------------------------------------------------------

MALFORMED = {
    "total_rows as a string": (page(page=1, total_rows="1"), "'meta.total_rows' is '1'"),
    "total_rows negative": (page(page=1, total_rows=-1), "'meta.total_rows' is -1"),
    "total_rows as a float": (page(page=1, total_rows=1.0), "'meta.total_rows' is 1.0"),
    "page as a string": (page(page="1"), "'meta.page' is '1'"),
    "page as a bool": (page(page=True), "'meta.page' is True"),
    "page_size as a string": (page(page=1, page_size="50"), "'meta.page_size' is '50'"),
    "more rows than page_size": (page([{"n": 1}, {"n": 2}], page=1, page_size=1), "2 rows on a page of"),
    "data not a list": (page({"n": 1}), "'data' is dict, expected a list"),
    "data items not objects": (page([1, 2]), "'data' item 1 is int"),
    "data missing": ({"meta": {}, "links": {"next": None}}, "not a page with 'data'"),
    "server_time not a timestamp": (page(server_time="yesterday"), "'meta.server_time' is 'yesterday'"),
    "server_time without a time zone": (page(server_time="2026-02-03T10:00:00"), "'meta.server_time' is"),
    "server_time a number": (page(server_time=1770000000), "'meta.server_time' is 1770000000"),
    "links.next a number": (page(next_link=2), "'links.next' is 2"),
    "links.next empty": (page(next_link=""), "'links.next' is ''"),
    "meta a list": ({"data": [], "meta": [1], "links": {"next": None}}, "'meta' is list"),
    "the page a list": ([{"n": 1}], "the page is JSON list"),
    "not JSON": (b"<html>maintenance</html>", "not JSON"),
    "NaN in a row": (b'{"data": [{"n": NaN}], "meta": {"page": 1}, "links": {"next": null}}',
                     "NaN is not a JSON number"),
    "Infinity as total_rows": (b'{"data": [], "meta": {"total_rows": Infinity}, "links": {"next": null}}',
                               "Infinity is not a JSON number"),
    "arrays nested 20.000 deep": (b"[" * 20_000 + b"]" * 20_000, "not JSON (maximum recursion depth"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_mistyped_page_fails_naming_the_field(serve, case):
    body, expected = MALFORMED[case]
    source = serve("127.0.0.1", lambda handler, server: send_json(handler, body))
    with pytest.raises(SourceError) as err:
        fetch_all(spied_session()[0], source)
    assert expected in str(err.value)


def test_total_rows_changing_between_pages_fails(serve):
    def shifting(handler, server):
        n = page_number(handler)
        send_json(handler, page(next_link=f"{FEED_PATH}?page={n + 1}" if n == 1 else None, page=n, total_rows=n + 1))

    with pytest.raises(SourceError, match=r"meta\.total_rows changed from 2 to 3"):
        fetch_all(spied_session()[0], serve("127.0.0.1", shifting))


# --- through the pipeline: a hostile answer fails its batch, the earlier load stays current -----------------

def _proxy_to(simulator, rewrite: Callable[[_Handler, dict[str, object]], bool]) -> Behaviour:
    """Answer with the simulator's page; ``rewrite`` may change it, or answer itself (returns True)."""
    def behave(handler, server):
        body = requests.get(simulator.url + handler.path, timeout=10,
                            headers={"Authorization": handler.headers.get("Authorization", "")}).json()
        if not rewrite(handler, body):
            send_json(handler, body)
    return behave


def _batches(conn, day):
    return conn.execute("select batch_id, status, row_count from raw.load_batch"
                        " where source = 'tthc' and entity = 'dossier_daily' and period_start = %s"
                        " order by extracted_at", (day,)).fetchall()


def _rows(conn, day):
    return conn.execute(
        "select d.* from raw.tthc_dossier_daily d join raw.load_batch b using (batch_id)"
        " where b.status = 'loaded' and d.report_date = %s order by d.agency_code", (day,)).fetchall()


PIPELINE_CASES = {
    "next link to another host": (date(2026, 7, 14), {}, "not on the source's origin"),
    "second page drips past CHISO_HTTP_DEADLINE_S": (date(2026, 7, 15), {"CHISO_HTTP_DEADLINE_S": "2"},
                                                    "CHISO_HTTP_DEADLINE_S=2"),
    "more pages than CHISO_HTTP_MAX_PAGES": (date(2026, 7, 16), {"CHISO_HTTP_MAX_PAGES": "1"},
                                             "CHISO_HTTP_MAX_PAGES=1"),
}


@pytest.mark.parametrize("case", PIPELINE_CASES, ids=list(PIPELINE_CASES))
def test_a_hostile_source_fails_the_batch_and_keeps_the_earlier_load(conn, simulator, serve, monkeypatch, case):
    day, env, expected = PIPELINE_CASES[case]
    first = extract_source("tthc", day, day)
    before = _rows(conn, day)
    other = serve("127.0.0.2", lambda handler, server: send_json(handler, {"data": []}))

    def hostile(handler, body):
        if case == "next link to another host" and body["links"]["next"]:
            body["links"]["next"] = other.url + body["links"]["next"]
        if case.startswith("second page drips") and page_number(handler) == 2:
            _drip_body(handler, other)
            return True
        return False

    source = serve("127.0.0.1", _proxy_to(simulator, hostile))
    for name, value in {"CHISO_SOURCE_URL": source.url, "CHISO_HTTP_PAGE_SIZE": "50", **env}.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    try:
        started = time.monotonic()
        with pytest.raises(SourceError, match=expected):
            extract_source("tthc", day, day)
        assert time.monotonic() - started < 5
    finally:
        monkeypatch.undo()
        settings.cache_clear()

    assert len(source.seen) >= 1 and other.seen == []
    batches = _batches(conn, day)
    assert [(str(b[0]), b[1]) for b in batches] == [(first.batches[0], "loaded"), (str(batches[1][0]), "failed")]
    assert _rows(conn, day) == before and len(before) == batches[0][2] > 50
