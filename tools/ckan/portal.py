"""Bring up a real CKAN (the pinned version, from PyPI) on loopback for the portal tests and CI, and take it down.

What it builds, in order (each step says what failed and what to do):

* the system packages CKAN needs that are missing (libpq-dev and gcc to build psycopg2, libmagic1, redis-server
  when no Redis answers on loopback), with apt-get when this is root or has password-less sudo;
* CKAN ``[requirements]`` in a virtual environment cached at ``~/.cache/chiso/ckan-<version>`` (reused by later
  runs; a new pin builds a new one and the old ones are removed);
* throwaway databases on the given PostgreSQL server (the CKAN database, the DataStore database and its read-only
  login), dropped by :meth:`RunningCkan.stop`;
* the Solr stand-in (tools/ckan/fake_solr.py), Redis if it has to be our own, and ``ckan run`` with the
  ``datastore``, ``datatables_view`` and ``text_view`` plugins and the project's licence list, each on a free
  loopback port;
* a sysadmin and an API token (kept in memory: never logged, never written into the repository).

``python -m tools.ckan.portal --admin-url postgresql://postgres@127.0.0.1:5432/postgres`` runs one until Ctrl-C
and prints its URL and where its token is (a 0600 file in the run's temporary folder).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes.util
import fcntl
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from chiso.database import to_url
from tools.ckan.licenses import license_list_bytes

log = logging.getLogger(__name__)

CKAN_VERSION = "2.12.0"
PLUGINS = ("datastore", "datatables_view", "text_view")
HERE = Path(__file__).resolve().parent
ADMIN_USER = "chiso-admin"
#: a shared loopback Redis is used in this database (CKAN's keys carry its site id as well)
SHARED_REDIS_DB = 1
INSTALL_TIMEOUT_S = 1200
STEP_TIMEOUT_S = 180
START_TIMEOUT_S = 120


class BringUpError(RuntimeError):
    """CKAN could not be brought up; the message names the step, the cause and what to do."""


@dataclass
class RunningCkan:
    """A CKAN this process started: its URL, a sysadmin token, and everything to stop and drop at the end."""

    url: str
    token: str = field(repr=False)
    version: str
    base: Path
    venv_cached: bool
    timings: dict[str, float]
    admin_url: str = field(repr=False)
    databases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list, repr=False)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    def stop(self) -> None:
        """Stop its processes (by their own ids), drop its databases and logins, remove its folder."""
        _stop_processes(self.processes)
        self.processes.clear()
        _drop(self.admin_url, self.databases, self.roles)
        self.databases.clear()
        self.roles.clear()
        shutil.rmtree(self.base, ignore_errors=True)


def bring_up(admin_url: str, version: str = CKAN_VERSION, cache: Path | None = None) -> RunningCkan:
    """A running CKAN ``version`` whose databases live on the server of ``admin_url`` (a superuser login)."""
    base = Path(tempfile.mkdtemp(prefix="chiso-ckan-"))
    run = secrets.token_hex(4)
    ckan = RunningCkan(url="", token="", version=version, base=base, venv_cached=False, timings={},
                       admin_url=admin_url)
    try:
        with _timed(ckan, "install"):
            venv, ckan.venv_cached = ensure_ckan(version, cache or cache_dir())
        with _timed(ckan, "databases"):
            urls = _create_databases(ckan, run)
            _set_datastore_permissions(venv, urls, admin_url)
        with _timed(ckan, "services"):
            solr = _start_fake_solr(ckan)
            redis = _redis_url(ckan)
        ini = _write_config(ckan, run, urls, solr, redis)
        with _timed(ckan, "ckan db init"):
            _ckan(venv, ini, "db", "init")
        with _timed(ckan, "sysadmin and token"):
            ckan.token = _sysadmin_token(venv, ini)
        with _timed(ckan, "server start"):
            _start_server(ckan, venv, ini)
    except BaseException:
        ckan.stop()
        raise
    log.info("CKAN %s up at %s in %.0f s (%s)", version, ckan.url, ckan.seconds,
             ", ".join(f"{k} {v:.0f} s" for k, v in ckan.timings.items()))
    return ckan


@contextlib.contextmanager
def _timed(ckan: RunningCkan, step: str) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    except BringUpError:
        raise
    except Exception as exc:
        raise BringUpError(f"CKAN bring-up step '{step}' failed: {type(exc).__name__}: {exc}") from exc
    finally:
        ckan.timings[step] = time.monotonic() - start


# ---------------------------------------------------------------- installation

def cache_dir() -> Path:
    """Where the CKAN virtual environments are kept between runs (``$XDG_CACHE_HOME/chiso`` or ~/.cache/chiso)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chiso"


def _requirement(version: str) -> str:
    return f"ckan[requirements]=={version}"


def ensure_ckan(version: str, cache: Path) -> tuple[Path, bool]:
    """The virtual environment holding CKAN ``version``, installed if it is not cached; (path, was cached)."""
    venv = cache / f"ckan-{version}"
    marker = venv / ".chiso-installed"
    wanted = f"{_requirement(version)} python{sys.version_info[0]}.{sys.version_info[1]}\n"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"ckan-{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two sessions never build the same venv at once
        if marker.is_file() and marker.read_text() == wanted and (venv / "bin" / "ckan").exists():
            _ensure_runtime_packages()
            return venv, True
        _install(venv, version)
        marker.write_text(wanted)
    _remove_other_versions(cache, venv)
    return venv, False


def _install(venv: Path, version: str) -> None:
    _ensure_build_packages()
    _ensure_runtime_packages()
    shutil.rmtree(venv, ignore_errors=True)
    log.info("installing %s into %s (once; later runs reuse it)", _requirement(version), venv)
    try:
        _run([sys.executable, "-m", "venv", str(venv)], "create the CKAN virtual environment")
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
        _run([*pip, "install", "-U", "pip"], "upgrade pip in the CKAN virtual environment", INSTALL_TIMEOUT_S)
        _run([*pip, "install", _requirement(version)], f"pip install '{_requirement(version)}' (is PyPI reachable,"
             " is that version published?)", INSTALL_TIMEOUT_S)
    except BringUpError:
        shutil.rmtree(venv, ignore_errors=True)
        raise


def _remove_other_versions(cache: Path, keep: Path) -> None:
    for old in cache.glob("ckan-*"):
        if old.is_dir() and old != keep:
            shutil.rmtree(old, ignore_errors=True)
        elif old.suffix == ".lock" and old.stem != keep.name:
            old.unlink(missing_ok=True)


def _ensure_build_packages() -> None:
    """psycopg2 is built from source: it needs pg_config (libpq-dev) and a C compiler."""
    missing = [pkg for pkg, tool in (("libpq-dev", "pg_config"), ("gcc", "gcc")) if not shutil.which(tool)]
    _apt_install(missing, "to build psycopg2 for CKAN")


def _ensure_runtime_packages() -> None:
    """python-magic (CKAN's upload type check) loads libmagic."""
    _apt_install([] if ctypes.util.find_library("magic") else ["libmagic1"], "for CKAN's uploads (python-magic)")


def _apt_install(packages: list[str], why: str) -> None:
    if not packages:
        return
    if os.geteuid() == 0:
        sudo: list[str] = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        sudo = ["sudo", "-n"]
    else:
        raise BringUpError(f"{', '.join(packages)} missing ({why}) and neither root nor password-less sudo is"
                           f" available: run `apt-get install -y {' '.join(packages)}` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run([*sudo, "apt-get", "update", "-qq"], "apt-get update", INSTALL_TIMEOUT_S, env)
    _run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
         f"apt-get install {' '.join(packages)} ({why})", INSTALL_TIMEOUT_S, env)


def _run(cmd: list[str], what: str, timeout: float = STEP_TIMEOUT_S, env: dict[str, str] | None = None,
         input_text: str | None = None) -> str:
    """Run ``cmd``; on failure raise with ``what`` and the end of its output (which never holds the token)."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, input=input_text)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BringUpError(f"could not {what}: {exc}") from exc
    if done.returncode != 0:
        raise BringUpError(f"could not {what} (exit {done.returncode}): {_gist(done.stdout + done.stderr)}")
    return done.stdout


def _gist(output: str, lines: int = 3, width: int = 240) -> str:
    """The last few lines that say something (pip's warnings about this machine's missing local indexes do not)."""
    said = [line.strip() for line in output.splitlines() if line.strip() and "is ignored: it is neither" not in line]
    return " | ".join(line if len(line) <= width else line[:width] + "…" for line in said[-lines:]) or "(no output)"


# ---------------------------------------------------------------- databases

def _create_databases(ckan: RunningCkan, run: str) -> dict[str, str]:
    """The CKAN database and the DataStore database (both owned by one login) and the read-only DataStore login."""
    owner, reader = f"chiso_ckan_{run}", f"chiso_ckan_ro_{run}"
    main_db, store_db = f"chiso_ckan_{run}", f"chiso_ckan_ds_{run}"
    password = secrets.token_hex(12)
    with psycopg.connect(ckan.admin_url, autocommit=True) as c:
        for role in (owner, reader):
            c.execute(sql.SQL("create role {} login password {}").format(sql.Identifier(role), sql.Literal(password)))
            ckan.roles.append(role)
        for db in (main_db, store_db):
            c.execute(sql.SQL("create database {} owner {} encoding 'UTF8' template template0").format(
                sql.Identifier(db), sql.Identifier(owner)))
            ckan.databases.append(db)
    return {
        "main": to_url(ckan.admin_url, dbname=main_db, user=owner, password=password),
        "write": to_url(ckan.admin_url, dbname=store_db, user=owner, password=password),
        "read": to_url(ckan.admin_url, dbname=store_db, user=reader, password=password),
    }


def _set_datastore_permissions(venv: Path, urls: dict[str, str], admin_url: str) -> None:
    """What ``ckan datastore set-permissions | psql`` does: CKAN's own SQL template, run as the superuser."""
    template = next(venv.glob("lib/python*/site-packages/ckanext/datastore/set_permissions.sql"), None)
    if template is None:
        raise BringUpError(f"ckanext/datastore/set_permissions.sql not found in {venv}: the CKAN install is broken;"
                           f" remove {venv} and run again")
    names = {k: psycopg.conninfo.conninfo_to_dict(v) for k, v in urls.items()}
    script = template.read_text().format(
        maindb=_ident(names["main"]["dbname"]), datastoredb=_ident(names["write"]["dbname"]),
        mainuser=_ident(names["main"]["user"]), writeuser=_ident(names["write"]["user"]),
        readuser=_ident(names["read"]["user"]))
    script = "\n".join(line for line in script.splitlines() if not line.startswith("\\connect"))
    with psycopg.connect(to_url(admin_url, dbname=str(names["write"]["dbname"])), autocommit=True) as c:
        c.execute(script.encode())


def _ident(name: object) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _drop(admin_url: str, databases: list[str], roles: list[str]) -> None:
    if not (databases or roles):
        return
    try:
        with psycopg.connect(admin_url, autocommit=True) as c:
            for db in databases:
                c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(db)))
            for role in roles:
                c.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
    except psycopg.Error as exc:
        log.warning("could not drop the CKAN databases %s / logins %s: %s", databases, roles, exc)


# ---------------------------------------------------------------- services

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(ckan: RunningCkan, name: str, cmd: list[str]) -> subprocess.Popen:
    """Start ``cmd`` in a session of its own, output to ``<base>/<name>.log``; remembered for :meth:`stop`."""
    out = (ckan.base / f"{name}.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=ckan.base)
    out.close()
    ckan.processes.append(proc)
    return proc


def _start_fake_solr(ckan: RunningCkan) -> str:
    port = free_port()
    proc = _start(ckan, "fake_solr", [sys.executable, str(HERE / "fake_solr.py"), "--port", str(port)])
    _wait_http(f"http://127.0.0.1:{port}/solr/ckan/admin/ping", proc, ckan.base / "fake_solr.log", 30)
    return f"http://127.0.0.1:{port}/solr/ckan"


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _redis_url(ckan: RunningCkan) -> str:
    """A Redis on loopback: the one on 6379 if it answers, else one of our own (installed if need be)."""
    if _redis_answers(6379):
        return f"redis://127.0.0.1:6379/{SHARED_REDIS_DB}"
    if not shutil.which("redis-server"):
        _apt_install(["redis-server"], "CKAN needs Redis and none answers on 127.0.0.1:6379")
    port = free_port()
    _start(ckan, "redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", str(ckan.base)])
    deadline = time.monotonic() + 20
    while not _redis_answers(port):
        if time.monotonic() > deadline:
            raise BringUpError(f"our redis-server on port {port} did not answer; see {ckan.base / 'redis.log'}")
        time.sleep(0.2)
    return f"redis://127.0.0.1:{port}/0"


def _write_config(ckan: RunningCkan, run: str, urls: dict[str, str], solr: str, redis: str) -> Path:
    """A minimal ckan.ini: the databases, services, plugins, licence list and secrets of this run."""
    port = free_port()
    ckan.url = f"http://127.0.0.1:{port}"
    licences = ckan.base / "licenses.json"
    licences.write_bytes(license_list_bytes())
    (ckan.base / "storage").mkdir()
    secret = secrets.token_urlsafe(32)
    options = {
        "use": "egg:ckan", "ckan.site_url": ckan.url, "ckan.site_id": f"chiso-test-{run}",
        "sqlalchemy.url": urls["main"], "ckan.datastore.write_url": urls["write"],
        "ckan.datastore.read_url": urls["read"], "solr_url": solr, "ckan.redis.url": redis,
        "ckan.storage_path": str(ckan.base / "storage"), "ckan.plugins": " ".join(PLUGINS),
        "licenses_group_url": f"file://{licences}", "SECRET_KEY": secret,
        "api_token.jwt.encode.secret": f"string:{secret}", "api_token.jwt.decode.secret": f"string:{secret}",
        "ckan.auth.create_user_via_web": "false",
    }
    ini = ckan.base / "ckan.ini"
    body = "\n".join(f"{k} = {v.replace('%', '%%')}" for k, v in options.items())
    ini.write_text(f"[DEFAULT]\ndebug = false\n\n[app:main]\n{body}\n\n{_LOGGING}", encoding="utf-8")
    ini.chmod(0o600)
    return ini


_LOGGING = """[loggers]
keys = root, ckan

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[logger_ckan]
level = INFO
handlers = console
qualname = ckan
propagate = 0

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


def _ckan(venv: Path, ini: Path, *args: str, input_text: str | None = None) -> str:
    return _run([str(venv / "bin" / "ckan"), "-c", str(ini), *args], f"run `ckan {' '.join(args[:2])}`",
                input_text=input_text)


def _sysadmin_token(venv: Path, ini: Path) -> str:
    """Create the sysadmin and an API token for it; the token is returned, never printed or stored."""
    password = secrets.token_urlsafe(16)
    _ckan(venv, ini, "sysadmin", "add", ADMIN_USER, "--create", "email=admin@chiso.invalid",
          f"password={password}")
    out = _ckan(venv, ini, "user", "token", "add", "-q", ADMIN_USER, "chiso-tests")
    token = out.strip().splitlines()[-1].strip() if out.strip() else ""
    if len(token) < 20:
        raise BringUpError("`ckan user token add` printed no API token")
    return token


def _start_server(ckan: RunningCkan, venv: Path, ini: Path) -> None:
    port = ckan.url.rsplit(":", 1)[1]
    proc = _start(ckan, "ckan", [str(venv / "bin" / "ckan"), "-c", str(ini), "run", "--host", "127.0.0.1",
                                 "--port", port, "--disable-reloader", "--threaded"])
    _wait_http(f"{ckan.url}/api/3/action/status_show", proc, ckan.base / "ckan.log", START_TIMEOUT_S)


def _wait_http(url: str, proc: subprocess.Popen, logfile: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BringUpError(f"{url} exited ({proc.returncode}) before answering:\n{_tail(logfile)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise BringUpError(f"{url} did not answer within {timeout:.0f} s:\n{_tail(logfile)}")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop_processes(processes: list[subprocess.Popen]) -> None:
    for proc in reversed(processes):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in reversed(processes):
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


# ---------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> None:
    """Run one CKAN until Ctrl-C (for a look at the portal, or a CI job that tests against it)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a superuser login on the PostgreSQL server that gets the throwaway databases")
    parser.add_argument("--version", default=CKAN_VERSION, help="the CKAN release to install from PyPI")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ckan = bring_up(args.admin_url, args.version)
    token_file = ckan.base / "token"
    token_file.touch(mode=0o600)
    token_file.write_text(ckan.token)
    print(f"CKAN {ckan.version} at {ckan.url}; sysadmin token in {token_file}; Ctrl-C stops it", flush=True)
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        signal.sigwait(stop_signals)
    finally:
        ckan.stop()


if __name__ == "__main__":
    main()
