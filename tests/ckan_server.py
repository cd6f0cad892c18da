"""The CKAN the portal tests run against, and a fault-injecting proxy to put in front of it (a pytest plugin).

The portal is ``CHISO_CKAN_URL`` + ``CHISO_CKAN_API_KEY`` (a sysadmin token) when both are set; otherwise the
project's own CKAN (tools/ckan/portal.py: the pinned release from PyPI, throwaway databases on the tests'
PostgreSQL server), brought up in the background as soon as the session has collected a portal test
(``start_early``) so that its minute or two overlaps the warehouse build, and stopped when the session ends.
``CHISO_TEST_CKAN=off`` skips the bring-up; ``CHISO_TEST_CKAN=<version>`` tries another CKAN release. When no
portal can be had, the portal tests skip with the reason, and the terminal summary says so.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from chiso.config import settings
from tools.ckan.portal import CKAN_VERSION, BringUpError, RunningCkan, bring_up

#: How long a portal test waits for the bring-up (a cold install builds psycopg2: minutes on a slow machine).
WAIT_S = 900
_DISABLED = ("off", "0", "no", "false", "skip")


@dataclass(frozen=True)
class CkanTarget:
    """The portal a test pushes to: its URL, a sysadmin API token (never printed) and where it comes from."""

    url: str
    key: str = field(repr=False)
    description: str


@dataclass
class _State:
    selected: bool = False  # a portal test is in this session
    future: Future | None = None
    running: RunningCkan | None = None
    reason: str | None = None  # why no portal: the tests skip with it
    executor: ThreadPoolExecutor | None = None


_state = _State()


def _external() -> CkanTarget | None:
    cfg = settings()
    if cfg.ckan_url and cfg.ckan_api_key:
        return CkanTarget(cfg.ckan_url, cfg.ckan_api_key, f"the portal at CHISO_CKAN_URL ({cfg.ckan_url})")
    return None


def start_early(admin_url: Callable[[], str]) -> None:
    """Begin bringing up the project's CKAN in a background thread (unless a portal is configured or it is off)."""
    _state.selected = True
    if _external() or _state.future or _state.reason:
        return
    mode = os.environ.get("CHISO_TEST_CKAN", "").strip()
    if mode.lower() in _DISABLED:
        _state.reason = f"CHISO_TEST_CKAN={mode}: the project's CKAN is not brought up and CHISO_CKAN_URL is unset"
        return
    server = admin_url()  # here, not in the thread: it may start the session's embedded PostgreSQL
    _state.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ckan-bring-up")
    _state.future = _state.executor.submit(bring_up, server, mode or CKAN_VERSION)


def target(admin_url: Callable[[], str]) -> CkanTarget:
    """The portal to test against, waiting for the bring-up; skips the test (with the reason) if there is none."""
    external = _external()
    if external:
        return external
    start_early(admin_url)
    if _state.running is None and _state.reason is None and _state.future is not None:
        _wait()
    if _state.running is None:
        pytest.skip(f"no CKAN portal, the portal tests did not run: {_state.reason}")
    ckan = _state.running
    return CkanTarget(ckan.url, ckan.token, f"the project's CKAN {ckan.version} at {ckan.url}")


def _wait() -> None:
    assert _state.future is not None
    try:
        _state.running = _state.future.result(timeout=WAIT_S)
    except FutureTimeout:
        _state.reason = f"the CKAN bring-up took longer than {WAIT_S} s"
    except BringUpError as exc:
        _state.reason = str(exc)


@pytest.fixture(scope="session")
def ckan_target() -> CkanTarget:
    """The portal of the session (see the module docstring)."""
    from conftest import admin_server_url

    return target(admin_server_url)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the project's CKAN (waiting for a bring-up still under way) and drop its databases."""
    if _state.future is not None and _state.running is None and _state.reason is None:
        _wait()
    if _state.running is not None:
        _state.running.stop()
    if _state.executor is not None:
        _state.executor.shutdown(wait=True)


def pytest_terminal_summary(terminalreporter) -> None:
    """One line on the portal tests: against which CKAN they ran (and its bring-up time), or why they did not."""
    if not _state.selected:
        return
    external = _external()
    if external:
        line, markup = f"CKAN portal tests ran against {external.description}", {"green": True}
    elif _state.running is not None:
        ckan = _state.running
        steps = ", ".join(f"{k} {v:.0f} s" for k, v in ckan.timings.items())
        cached = "virtual environment cached" if ckan.venv_cached else "virtual environment installed now"
        line = (f"CKAN portal tests ran against the project's CKAN {ckan.version} ({cached}; up in"
                f" {ckan.seconds:.0f} s: {steps})")
        markup = {"green": True}
    else:
        line, markup = f"CKAN portal tests DID NOT RUN: {_state.reason}", {"yellow": True, "bold": True}
    terminalreporter.write_sep("-", "CKAN portal")
    terminalreporter.write_line(line, **markup)


# ---------------------------------------------------------------- fault injection

@dataclass
class Fault:
    """Answer 500 to the ``nth`` call of ``action`` (any write when None); ``forward``: CKAN gets it first."""

    action: str | None
    nth: int = 1
    forward: bool = True
    seen: int = 0
    fired: bool = False


class FaultProxy:
    """A loopback HTTP proxy in front of a real CKAN: every request goes through unchanged except the one an armed
    :class:`Fault` picks, which CKAN still receives (and saves) when ``forward``, but whose answer is a 500."""

    def __init__(self, upstream: str, writes: frozenset[str]) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.writes = writes
        self.fault: Fault | None = None
        self.calls: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def arm(self, fault: Fault) -> Fault:
        self.fault = fault
        return fault

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def decide(self, action: str) -> tuple[bool, bool]:
        """(fail this call, forward it first)."""
        with self._lock:
            fault = self.fault
            if fault is None or fault.fired or not (action == fault.action or
                                                    (fault.action is None and action in self.writes)):
                return False, True
            fault.seen += 1
            if fault.seen < fault.nth:
                return False, True
            fault.fired = True
            return True, fault.forward

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=300)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}
_FAULT_BODY = json.dumps({"success": False, "error": {"__type": "Internal Server Error",
                                                      "message": "fault injected by the tests' proxy"}}).encode()


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
            action = urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[-1]
            fail, forward = proxy.decide(action)
            status, out_headers, out = (500, [("Content-Type", "application/json")], _FAULT_BODY)
            if forward:
                status, out_headers, out = proxy.forward(self.command, self.path, headers, body)
                if fail:
                    status, out_headers, out = 500, [("Content-Type", "application/json")], _FAULT_BODY
            proxy.calls.append((action, status))
            self.send_response(status)
            for name, value in out_headers:
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = _relay

    return Handler

