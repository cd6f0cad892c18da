"""Scale-out smoke test: the nightly DAG run by a real scheduler on a Celery worker (Redis broker, PostgreSQL
metadata DB), the way docker-compose.yml deploys it, with every process on this machine's loopback:
api-server (execution API), scheduler, dag-processor and one `airflow celery worker`.

The night runs outside this process, so it starts as soon as the session does (``start_early``, called by
conftest when this test is selected) and runs beside the rest of the suite; the test waits for its outcome. It has
everything of its own: an initialised warehouse (``chiso init``), a simulator, a state folder, an Airflow home,
a metadata database and a Celery queue.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from chiso import airflow_env
from chiso.config import PROJECT_ROOT, settings
from chiso.database import create_database, drop_database, to_url
from conftest import SIMULATOR_TOKEN, dbname_of

REDIS = ("127.0.0.1", 6379)
RUN_TIMEOUT_S = 420
POLL_S = 2  # the state is read from the metadata DB: a query, not an airflow CLI start (seconds of CPU each)

NIGHT = {"from": "2026-07-01", "to": "2026-07-02"}

pytestmark = pytest.mark.e2e


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=3) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _airflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*airflow_env.airflow_cli(), *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"airflow {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _metadata(meta: str, query: str, *params: str) -> tuple | None:
    with psycopg.connect(meta, autocommit=True) as c:
        return c.execute(query, params).fetchone()


def _wait_for_dag(meta: str, dag_id: str, deadline: float, stop: threading.Event) -> None:
    """Until the dag-processor has serialised the DAG (what the scheduler and `dags trigger` read)."""
    while time.monotonic() < deadline and not stop.is_set():
        if _metadata(meta, "select 1 from serialized_dag where dag_id = %s", dag_id):
            return
        time.sleep(POLL_S)
    raise AssertionError(f"the dag-processor did not register {dag_id}")


def _run_state(meta: str, dag_id: str, run_id: str) -> str:
    row = _metadata(meta, "select state from dag_run where dag_id = %s and run_id = %s", dag_id, run_id)
    return str(row[0]) if row else "missing"


def _airflow_env(base: dict[str, str], home: Path, meta: str, warehouse: str, source_url: str) -> dict[str, str]:
    port = _free_port()
    return {**base, **airflow_env.airflow_environ(home),
            # the code under test: this night's own warehouse, simulator and state folder
            "CHISO_DATABASE_URL": warehouse, "CHISO_SOURCE_URL": source_url, "CHISO_SOURCE_TOKEN": SIMULATOR_TOKEN,
            "CHISO_HTTP_RETRIES": "3", "CHISO_STATE_DIR": str(home / "chiso"),
            "CHISO_INBOX_DIR": str(home / "chiso" / "inbox"), "CHISO_EXPORT_DIR": str(home / "chiso" / "exports"),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta.replace("postgresql://", "postgresql+psycopg://", 1),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": meta.replace("postgresql://", "postgresql+psycopg_async://",
                                                                      1),
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{port % 16}",
            # a queue of this run's own: another session's worker on the same Redis database never takes its tasks
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"chiso-test-{uuid.uuid4().hex[:8]}",
            # only the triggered run: unpausing the DAG must not add the scheduled night before it (max_active_runs=1)
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + meta,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True"}


def _night_on_celery(admin_url: str, home: Path, stop: threading.Event, base: dict[str, str], seed: int
                     ) -> dict[str, object]:
    """api-server, scheduler, dag-processor and one Celery worker on a PostgreSQL metadata DB run one triggered
    night; returns its state, the worker's log tail and the batches it loaded. Everything is torn down after.

    ``base`` is the environment as it was when the session started: the tests running meanwhile change
    os.environ for themselves, and none of that may reach the night."""
    from conftest import new_warehouse
    from simulator.server import make_simulator

    assert _redis_answers(), "Redis must answer on 127.0.0.1:6379 (the machine's service) for the Celery broker"
    sim = make_simulator(seed, SIMULATOR_TOKEN, PROJECT_ROOT / "seeds" / "agencies.csv").start()
    warehouse = new_warehouse(admin_url, "chiso_celery")
    meta_db = f"chiso_airflow_{uuid.uuid4().hex[:8]}"
    create_database(admin_url, meta_db)
    meta = to_url(admin_url, dbname=meta_db)
    procs: list[subprocess.Popen] = []
    try:
        env = _airflow_env(base, home, meta, warehouse, sim.url)
        cli = airflow_env.airflow_cli()
        for command in airflow_env.setup_commands():  # schema and the dbt pool, as docker compose's airflow-init
            done = subprocess.run([*cli, *command], env=env, capture_output=True, text=True)
            assert done.returncode == 0, f"airflow {' '.join(command)} failed:\n{done.stderr[-3000:]}"
        logs = home / "logs"
        logs.mkdir(exist_ok=True)
        for name, args in (("api-server", ["api-server", "--port", env["AIRFLOW__API__PORT"]]),
                           ("scheduler", ["scheduler"]), ("dag-processor", ["dag-processor"]),
                           ("worker", ["celery", "worker"])):
            out = (logs / f"{name}.log").open("w")
            procs.append(subprocess.Popen([*cli, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True))
        deadline = time.monotonic() + RUN_TIMEOUT_S
        _wait_for_dag(meta, "chiso_nightly", deadline, stop)
        _airflow(env, "dags", "unpause", "chiso_nightly")
        run_id = f"scale_out_{uuid.uuid4().hex[:8]}"
        _airflow(env, "dags", "trigger", "chiso_nightly", "--run-id", run_id, "--conf", json.dumps(NIGHT))
        state = "queued"
        while time.monotonic() < deadline and state not in ("success", "failed") and not stop.is_set():
            time.sleep(POLL_S)
            state = _run_state(meta, "chiso_nightly", run_id)
        with psycopg.connect(to_url(admin_url, dbname=dbname_of(warehouse)), autocommit=True) as conn:
            loaded = conn.execute("select count(*) from raw.load_batch where source = 'tthc' and status = 'loaded'"
                                  " and period_start between %s and %s", (NIGHT["from"], NIGHT["to"])).fetchone()[0]
        worker_log = Path(logs, "worker.log").read_text(errors="replace")[-3000:]
        return {"run_id": run_id, "state": state, "worker_log": worker_log, "loaded": loaded}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_database(admin_url, meta_db)
        drop_database(admin_url, dbname_of(warehouse))
        sim.stop()


_NIGHT: dict[str, Future] = {}


def start_early(config: pytest.Config) -> None:
    """Start the night in a thread of its own when the session starts (conftest calls this when the test is
    selected); the session's end stops whatever is left of it and waits for its teardown."""
    from conftest import admin_server_url

    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="celery-night")
    home = Path(tempfile.mkdtemp(prefix="celery-airflow-", dir=os.environ["CHISO_STATE_DIR"]))
    _NIGHT["night"] = pool.submit(_night_on_celery, admin_server_url(), home, stop, dict(os.environ),
                                  settings().simulator_seed)

    def finish() -> None:
        stop.set()
        pool.shutdown(wait=True)
    config.add_cleanup(finish)


@pytest.fixture(scope="module")
def celery_night(pg_admin_url, tmp_path_factory) -> dict[str, object]:
    """The outcome of the night started with the session (or now, if nothing started it)."""
    if "night" not in _NIGHT:
        return _night_on_celery(pg_admin_url, tmp_path_factory.mktemp("celery-airflow"), threading.Event(),
                                dict(os.environ), settings().simulator_seed)
    return _NIGHT["night"].result(timeout=RUN_TIMEOUT_S + 300)


def test_the_nightly_dag_runs_on_a_celery_worker(celery_night):
    state, worker_log = celery_night["state"], celery_night["worker_log"]
    assert state == "success", f"run {celery_night['run_id']} ended {state}; worker log tail:\n{worker_log}"
    assert celery_night["loaded"] == 2
    assert "chiso_nightly" in worker_log or "Task" in worker_log  # the tasks ran in the worker process
