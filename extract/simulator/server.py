"""A loopback HTTP service that stands in for the province's source systems (synthetic data).

It speaks the API our connectors expect of the real systems: bearer-token auth, JSON pages with a
``links.next`` URL, and ``from``/``to`` date filters. ``Faults`` lets tests make it misbehave.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

from extract.simulator import tthc

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 366
MAX_PAGE_SIZE = 5000


@dataclass
class Faults:
    """Misbehaviour to inject; counters are consumed as requests arrive."""

    fail_next_requests: int = 0  # answer 503 to this many data requests
    status: int = HTTPStatus.SERVICE_UNAVAILABLE
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take_failure(self) -> bool:
        with self.lock:
            if self.fail_next_requests > 0:
                self.fail_next_requests -= 1
                return True
            return False


@dataclass
class SimulatorState:
    seed: int
    token: str
    agencies: tuple[tthc.Agency, ...]
    faults: Faults = field(default_factory=Faults)
    requests_served: int = 0


class _BadRequest(ValueError):
    pass


def _parse_day(params: dict[str, list[str]], name: str) -> date:
    try:
        return date.fromisoformat(params[name][0])
    except (KeyError, IndexError):
        raise _BadRequest(f"query parameter '{name}' (YYYY-MM-DD) is required") from None
    except ValueError:
        raise _BadRequest(f"query parameter '{name}' must be YYYY-MM-DD, got {params[name][0]!r}") from None


def _parse_int(params: dict[str, list[str]], name: str, default: int, upper: int) -> int:
    raw = params.get(name, [str(default)])[0]
    if not raw.isdigit() or not 1 <= int(raw) <= upper:
        raise _BadRequest(f"query parameter '{name}' must be an integer in 1..{upper}, got {raw!r}")
    return int(raw)


def _handler_for(state: SimulatorState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "chiso-simulator/1"

        def log_message(self, fmt: str, *args: object) -> None:  # route to logging, not stderr
            log.debug("simulator: " + fmt, *args)

        def _send(self, status: int, body: dict[str, object]) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            url = urlparse(self.path)
            if url.path == "/health":
                return self._send(HTTPStatus.OK, {"status": "ok"})
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._send(HTTPStatus.UNAUTHORIZED, {"error": "missing or wrong bearer token"})
            if url.path != "/api/v1/tthc/dossier-stats":
                return self._send(HTTPStatus.NOT_FOUND, {"error": f"no endpoint {url.path}"})
            if state.faults.take_failure():
                return self._send(state.faults.status, {"error": "injected fault"})
            try:
                body = self._dossier_stats(parse_qs(url.query), url.path)
            except _BadRequest as exc:
                return self._send(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            state.requests_served += 1
            return self._send(HTTPStatus.OK, body)

        def _dossier_stats(self, params: dict[str, list[str]], path: str) -> dict[str, object]:
            start, end = _parse_day(params, "from"), _parse_day(params, "to")
            if end < start or (end - start).days >= MAX_RANGE_DAYS:
                raise _BadRequest(f"'from'..'to' must be 1..{MAX_RANGE_DAYS} days, got {start}..{end}")
            page = _parse_int(params, "page", 1, 10**6)
            page_size = _parse_int(params, "page_size", 1000, MAX_PAGE_SIZE)
            first_day = max(start, tthc.PROVINCE_START)
            n_days = max(0, (end - first_day).days + 1)
            total_rows = n_days * len(state.agencies)
            # pages never straddle more data than needed: generate only the days the page touches
            skip = (page - 1) * page_size
            day0 = first_day + timedelta(skip // len(state.agencies))
            rows_iter = tthc.generate_range(state.seed, day0, end, state.agencies)
            data = list(islice(rows_iter, skip % len(state.agencies), skip % len(state.agencies) + page_size))
            has_next = skip + page_size < total_rows
            next_url = None
            if has_next:
                query = {"from": start.isoformat(), "to": end.isoformat(), "page": page + 1, "page_size": page_size}
                next_url = f"{path}?{urlencode(query)}"
            return {
                "data": data,
                "meta": {"page": page, "page_size": page_size, "total_rows": total_rows,
                         "synthetic": True, "fields": list(tthc.FIELDS)},
                "links": {"next": next_url},
            }

    return Handler


class Simulator:
    """A running simulator: ``url``, ``state`` (for fault injection) and ``stop()``."""

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

    def start(self) -> "Simulator":
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def make_simulator(seed: int, token: str, agencies_seed: Path, port: int = 0) -> Simulator:
    return Simulator(SimulatorState(seed=seed, token=token, agencies=tthc.load_agencies(agencies_seed)), port=port)
