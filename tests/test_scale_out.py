"""Scale-out smoke test: the nightly DAG run by a real scheduler on a Celery worker (Redis broker, PostgreSQL
metadata DB), the way docker-compose.yml deploys it, with every process on this machine's loopback:
api-server (execution API), scheduler, dag-processor and one `airflow celery worker`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from chiso import airflow_env
from chiso.database import create_database, drop_database, to_url

REDIS = ("127.0.0.1", 6379)
RUN_TIMEOUT_S = 420
POLL_S = 2  # the state is read from the metadata DB: a query, not an airflow CLI start (seconds of CPU each)

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse("built")]  # a night on a built warehouse


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


@pytest.fixture(scope="module")
def celery_airflow(pg_admin_url, warehouse_url, simulator, tmp_path_factory) -> Iterator[dict[str, str]]:
    """api-server, scheduler, dag-processor and one Celery worker, on a PostgreSQL metadata DB."""
    assert _redis_answers(), "Redis must answer on 127.0.0.1:6379 (the machine's service) for the Celery broker"
    home = tmp_path_factory.mktemp("celery-airflow")
    meta_db = f"chiso_airflow_{uuid.uuid4().hex[:8]}"
    create_database(pg_admin_url, meta_db)
    meta = to_url(pg_admin_url, dbname=meta_db)
    port = _free_port()
    env = {**os.environ, **airflow_env.airflow_environ(home),
           "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta.replace("postgresql://", "postgresql+psycopg://", 1),
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": meta.replace("postgresql://", "postgresql+psycopg_async://", 1),
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
    cli = airflow_env.airflow_cli()
    for command in airflow_env.setup_commands():  # schema and the dbt pool, as docker compose's airflow-init
        done = subprocess.run([*cli, *command], env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"airflow {' '.join(command)} failed:\n{done.stderr[-3000:]}"
    logs = home / "logs"
    logs.mkdir(exist_ok=True)
    procs = []
    for name, args in (("api-server", ["api-server", "--port", str(port)]), ("scheduler", ["scheduler"]),
                       ("dag-processor", ["dag-processor"]), ("worker", ["celery", "worker"])):
        out = (logs / f"{name}.log").open("w")
        procs.append(subprocess.Popen([*cli, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True))
    try:
        yield {"env": env, "logs": str(logs), "meta": meta}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_database(pg_admin_url, meta_db)


def _airflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*airflow_env.airflow_cli(), *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"airflow {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _metadata(meta: str, query: str, *params: str) -> tuple | None:
    with psycopg.connect(meta, autocommit=True) as c:
        return c.execute(query, params).fetchone()


def _wait_for_dag(meta: str, dag_id: str, deadline: float) -> None:
    """Until the dag-processor has serialised the DAG (what the scheduler and `dags trigger` read)."""
    while time.monotonic() < deadline:
        if _metadata(meta, "select 1 from serialized_dag where dag_id = %s", dag_id):
            return
        time.sleep(POLL_S)
    raise AssertionError(f"the dag-processor did not register {dag_id}")


def _run_state(meta: str, dag_id: str, run_id: str) -> str:
    row = _metadata(meta, "select state from dag_run where dag_id = %s and run_id = %s", dag_id, run_id)
    return str(row[0]) if row else "missing"


def test_the_nightly_dag_runs_on_a_celery_worker(celery_airflow, conn):
    env, meta = celery_airflow["env"], celery_airflow["meta"]
    deadline = time.monotonic() + RUN_TIMEOUT_S
    _wait_for_dag(meta, "chiso_nightly", deadline)
    _airflow(env, "dags", "unpause", "chiso_nightly")
    run_id = f"scale_out_{uuid.uuid4().hex[:8]}"
    _airflow(env, "dags", "trigger", "chiso_nightly", "--run-id", run_id,
             "--conf", json.dumps({"from": "2026-07-01", "to": "2026-07-02"}))
    state = "queued"
    while time.monotonic() < deadline and state not in ("success", "failed"):
        time.sleep(POLL_S)
        state = _run_state(meta, "chiso_nightly", run_id)
    worker_log = Path(celery_airflow["logs"], "worker.log").read_text(errors="replace")[-3000:]
    assert state == "success", f"run {run_id} ended {state}; worker log tail:\n{worker_log}"
    loaded = conn.execute("select count(*) from raw.load_batch where source = 'tthc' and status = 'loaded'"
                          " and period_start between '2026-07-01' and '2026-07-02'").fetchone()[0]
    assert loaded == 2
    assert "chiso_nightly" in worker_log or "Task" in worker_log  # the tasks ran in the worker process
