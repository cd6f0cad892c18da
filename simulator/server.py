"""A loopback HTTP service that stands in for the province's source systems (synthetic data).

It speaks the API our connectors expect of the real systems: bearer-token auth, JSON pages with a
``links.next`` URL and ``meta.total_rows``, ``from``/``to`` period filters, ``updated_since`` for late
corrections, and 429 with Retry-After past a rate limit. ``Faults`` makes it misbehave for tests.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

from simulator.feeds import Agency, Feed, RecordFeed, load_agencies
from simulator.registry import FEEDS, PROVINCE_START

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 366
MAX_PAGE_SIZE = 5000


@dataclass
class Faults:
    """Misbehaviour to inject; each counter is consumed by the data requests that follow."""

    fail_next_requests: int = 0  # answer HTTP ``status`` (5xx)
    status: int = HTTPStatus.SERVICE_UNAVAILABLE
    delay_next_requests: int = 0  # sleep ``delay_s`` before answering (client timeouts)
    delay_s: float = 0.0
    truncate_next_pages: int = 0  # drop the last rows of a page, keep meta and links as if complete
    repeat_next_pages: int = 0  # serve page N again instead of page N+1
    rename_fields: dict[str, str] = field(default_factory=dict)  # schema drift: old name -> new name
    extra_fields: dict[str, object] = field(default_factory=dict)  # schema drift: added columns
    drop_fields: tuple[str, ...] = ()  # record feeds: fields left out (a source that sends no applicant data)
    #: rewrite each answered page (hostile content: missing agencies, repeated rows, absurd values), or None
    rewrite_page: Callable[[dict[str, object]], dict[str, object]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, counter: str) -> bool:
        with self.lock:
            left = getattr(self, counter)
            if left > 0:
                setattr(self, counter, left - 1)
                return True
            return False


@dataclass
class SimulatorState:
    seed: int
    token: str
    agencies: tuple[Agency, ...]
    faults: Faults = field(default_factory=Faults)
    #: late corrections: (feed, period start) -> (revision, when it was revised)
    revisions: dict[tuple[str, date], tuple[int, datetime]] = field(default_factory=dict)
    rate_limit_per_s: float = 0.0  # 0 = unlimited
    #: the source's clock (tests move it: a dossier resolved weeks later); None: the real time
    clock: Callable[[], datetime] | None = None
    requests_served: int = 0
    _last_request: float = 0.0

    def revise(self, feed: str, period_start: date) -> None:
        """Publish a correction of one past period: its figures change and it shows in updated_since."""
        rev, _ = self.revisions.get((feed, period_start), (0, None))
        self.revisions[(feed, period_start)] = (rev + 1, datetime.now(UTC))

    def now(self) -> datetime:
        return self.clock() if self.clock else datetime.now(UTC)

    def feed_agencies(self, feed: Feed | RecordFeed) -> tuple[Agency, ...]:
        return tuple(a for a in self.agencies if feed.serves(a))


class _BadRequest(ValueError):
    pass


def _param(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _parse_day(params: dict[str, list[str]], name: str) -> date:
    raw = _param(params, name)
    if raw is None:
        raise _BadRequest(f"query parameter '{name}' (YYYY-MM-DD) is required")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _BadRequest(f"query parameter '{name}' must be YYYY-MM-DD, got {raw!r}") from None


def _parse_time(params: dict[str, list[str]], name: str) -> datetime:
    raw = _param(params, name) or ""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _BadRequest(f"'{name}' must be an ISO timestamp, got {raw!r}") from None
    if moment.tzinfo is None:
        raise _BadRequest(f"'{name}' needs a time zone offset")
    return moment


def record_page(state: SimulatorState, feed: RecordFeed, params: dict[str, list[str]]) -> dict[str, object]:
    """One page of a record feed: the records received ``from``..``to``, or those received up to ``to`` that
    arrived or changed since the local day of ``updated_since``, each in its state at ``as_of`` (the first page's
    server time, carried in ``links.next`` so every page shows the same moment)."""
    as_of = _parse_time(params, "as_of") if _param(params, "as_of") else state.now()
    page = _parse_int(params, "page", 1, 10**6)
    page_size = _parse_int(params, "page_size", 1000, MAX_PAGE_SIZE)
    if page > 1 and state.faults.take("repeat_next_pages"):
        page -= 1
    module = feed.module
    model = module.model_for(state.seed, state.feed_agencies(feed), as_of)
    if _param(params, "updated_since"):
        since = (_parse_time(params, "updated_since").astimezone(UTC) + module.LOCAL).date()  # its local day
        end = _parse_day(params, "to") if _param(params, "to") else module.last_full_day(as_of)
        if (end - since).days >= MAX_RANGE_DAYS:
            raise _BadRequest(f"'updated_since'..'to' must be under {MAX_RANGE_DAYS} days, got {since}..{end}")
        total, rows = module.changed_since(model, since, as_of, end)
    else:
        start, end = _parse_day(params, "from"), _parse_day(params, "to")
        if end < start or (end - start).days >= MAX_RANGE_DAYS:
            raise _BadRequest(f"'from'..'to' must be 1..{MAX_RANGE_DAYS} days, got {start}..{end}")
        total, rows = module.received_in(model, start, end, as_of)
    skip = (page - 1) * page_size
    data = list(islice(rows(skip), page_size))
    data = [_drifted(state, {k: v for k, v in row.items() if k not in state.faults.drop_fields}) for row in data]
    if state.faults.take("truncate_next_pages") and len(data) > 1:
        data = data[: len(data) // 2]
    next_url = None
    if skip + page_size < total:
        query = {k: v[0] for k, v in params.items() if k != "page"} | {"page": page + 1, "as_of": as_of.isoformat()}
        next_url = f"{feed.path}?{urlencode(query)}"
    return {
        "data": data,
        "meta": {"page": page, "page_size": page_size, "total_rows": total, "synthetic": True,
                 "fields": list(feed.fields), "grain": feed.grain, "server_time": as_of.isoformat()},
        "links": {"next": next_url},
    }


def _drifted(state: SimulatorState, row: dict[str, object]) -> dict[str, object]:
    if not (state.faults.rename_fields or state.faults.extra_fields):
        return row
    drifted = {state.faults.rename_fields.get(k, k): v for k, v in row.items()}
    drifted.update(state.faults.extra_fields)
    return drifted


def _parse_int(params: dict[str, list[str]], name: str, default: int, upper: int) -> int:
    raw = _param(params, name) or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= upper:
        raise _BadRequest(f"query parameter '{name}' must be an integer in 1..{upper}, got {raw!r}")
    return int(raw)


def periods_in(feed: Feed, start: date, end: date) -> list[date]:
    """Period starts served for ``start..end`` (nothing before the merged province existed)."""
    return feed.period_starts(max(start, PROVINCE_START), end)


def published_at(feed: Feed, period_start: date) -> datetime:
    """When the source first publishes a period: 01:00 (UTC+7) the day after it ends."""
    if feed.grain == "day":
        end = period_start
    else:
        end = (period_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return datetime(end.year, end.month, end.day, 18, 0, tzinfo=UTC)


def feed_rows(state: SimulatorState, feed: Feed, periods: list[date]) -> Iterator[dict[str, object]]:
    agencies = state.feed_agencies(feed)
    for period in periods:
        revision, _ = state.revisions.get((feed.name, period), (0, None))
        seed = state.seed + 7919 * revision  # a correction regenerates the period with another seed
        yield from feed.period_rows(seed, period, agencies)


def _handler_for(state: SimulatorState) -> type[BaseHTTPRequestHandler]:
    feeds_by_path = {feed.path: feed for feed in FEEDS.values()}
    rate_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        server_version = "chiso-simulator/1"

        def log_message(self, fmt: str, *args: object) -> None:  # route to logging, not stderr
            log.debug("simulator: " + fmt, *args)

        def _send(self, status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)

        def _rate_limited(self) -> bool:
            if not state.rate_limit_per_s:
                return False
            with rate_lock:
                now = time.monotonic()
                if now - state._last_request < 1.0 / state.rate_limit_per_s:
                    return True
                state._last_request = now
                return False

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/health":
                return self._send(HTTPStatus.OK, {"status": "ok", "feeds": sorted(feeds_by_path)})
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._send(HTTPStatus.UNAUTHORIZED, {"error": "missing or wrong bearer token"})
            feed = feeds_by_path.get(url.path)
            if feed is None:
                return self._send(HTTPStatus.NOT_FOUND, {"error": f"no endpoint {url.path}"})
            if self._rate_limited():
                return self._send(HTTPStatus.TOO_MANY_REQUESTS, {"error": "rate limit"}, {"Retry-After": "1"})
            if state.faults.take("fail_next_requests"):
                return self._send(state.faults.status, {"error": "injected fault"})
            if state.faults.take("delay_next_requests"):
                time.sleep(state.faults.delay_s)
            try:
                body = self._page(feed, parse_qs(url.query))
            except _BadRequest as exc:
                return self._send(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            except Exception as exc:  # a bug in a generator must not look like a network failure
                log.exception("simulator error on %s", self.path)
                return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{type(exc).__name__}: {exc}"})
            state.requests_served += 1
            if state.faults.rewrite_page:
                body = state.faults.rewrite_page(body)
            return self._send(HTTPStatus.OK, body)

        def _page(self, feed: Feed | RecordFeed, params: dict[str, list[str]]) -> dict[str, object]:
            if isinstance(feed, RecordFeed):
                return record_page(state, feed, params)
            server_time = state.now()
            start, end = _parse_day(params, "from"), _parse_day(params, "to")
            if end < start or (end - start).days >= MAX_RANGE_DAYS:
                raise _BadRequest(f"'from'..'to' must be 1..{MAX_RANGE_DAYS} days, got {start}..{end}")
            page = _parse_int(params, "page", 1, 10**6)
            page_size = _parse_int(params, "page_size", 1000, MAX_PAGE_SIZE)
            periods = periods_in(feed, start, end)
            since_raw = _param(params, "updated_since")
            if since_raw:
                since = _parse_time(params, "updated_since")
                periods = [p for p in periods if max(published_at(feed, p),
                           state.revisions.get((feed.name, p), (0, published_at(feed, p)))[1]) > since]
            per_period = len(state.feed_agencies(feed))
            total_rows = len(periods) * per_period
            if page > 1 and state.faults.take("repeat_next_pages"):
                page -= 1
            skip = (page - 1) * page_size
            first_period = skip // per_period if per_period else 0
            rows = feed_rows(state, feed, periods[first_period:])
            data = list(islice(rows, skip % per_period if per_period else 0,
                               (skip % per_period if per_period else 0) + page_size))
            data = [_drifted(state, row) for row in data]
            if state.faults.take("truncate_next_pages") and len(data) > 1:
                data = data[: len(data) // 2]
            next_url = None
            if skip + page_size < total_rows:
                query = {"from": start.isoformat(), "to": end.isoformat(), "page": page + 1, "page_size": page_size}
                if since_raw:
                    query["updated_since"] = since_raw
                next_url = f"{feed.path}?{urlencode(query)}"
            return {
                "data": data,
                "meta": {"page": page, "page_size": page_size, "total_rows": total_rows, "synthetic": True,
                         "fields": list(feed.fields), "grain": feed.grain, "server_time": server_time.isoformat()},
                "links": {"next": next_url},
            }

    return Handler


class Simulator:
    """A running simulator: ``url``, ``state`` (faults, corrections) and ``stop()``."""

    def __init__(self, state: SimulatorState, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the simulator only listens on loopback, not {host!r}")
        self.state = state
        self._server = ThreadingHTTPServer((host, port), _handler_for(state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="chiso-simulator", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Simulator:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def make_simulator(seed: int, token: str, agencies_seed: Path, port: int = 0) -> Simulator:
    return Simulator(SimulatorState(seed=seed, token=token, agencies=load_agencies(agencies_seed)), port=port)
