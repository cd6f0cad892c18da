"""How the nightly DAG should run dbt: one `dbt build` task vs Cosmos rendering one task per model and test.

Both run in this one process against the same warehouse (already loaded, e.g. by `make demo` or a
backfill): (a) `dbt build` through chiso.warehouse.build_warehouse, as the chiso_nightly DAG does;
(b) a Cosmos DbtTaskGroup in ExecutionMode.LOCAL (one dbt invocation per model and per test), run with
Airflow's dag.test(), rendered from the dbt manifest. Writes benchmarks/results/dbt_execution.json.

Cosmos' ExecutionMode.WATCHER (one producer `dbt build` plus a deferrable sensor per model) needs the
producer and the sensors to run at the same time; dag.test() runs tasks one at a time, so under it the
sensors wait for a producer that never starts (observed: no progress in 10 minutes). It is therefore not
measured here, and the DAGs use (a). Run: CHISO_DATABASE_URL=... .venv/bin/python benchmarks/bench_dbt_execution.py
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path

from chiso import airflow_env
from chiso.config import PROJECT_ROOT, settings
from chiso.dbt import dbt_env, dbt_target_dir, run_dbt
from chiso.warehouse import build_warehouse

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "dbt_execution.json"

COSMOS_DAG = '''
import pendulum
from pathlib import Path
from airflow.sdk import dag
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode

@dag(dag_id="bench_cosmos_local", schedule=None, start_date=pendulum.datetime(2025, 7, 1), catchup=False)
def bench_cosmos_local():
    DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(dbt_project_path=Path({project!r}), manifest_path=Path({manifest!r})),
        profile_config=ProfileConfig(profile_name="chiso", target_name="default",
                                     profiles_yml_filepath=Path({project!r}) / "profiles.yml"),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL,
                                         invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST),
        operator_args={{"install_deps": False}},
    )

bench_cosmos_local()
'''


def time_single_build() -> tuple[float, str]:
    started = time.perf_counter()
    summary = build_warehouse()
    return time.perf_counter() - started, summary.line()


def time_cosmos_local(workdir: Path) -> tuple[float, int, str]:
    run_dbt(["parse"])
    # Cosmos runs each node in a temporary copy of dbt_project/ (mkdtemp under the temp folder); our
    # seed-paths is "../seeds", so the copy looks for <temp folder>/seeds
    seeds_link = Path(tempfile.gettempdir()) / "seeds"
    if not seeds_link.exists():
        seeds_link.symlink_to(settings().seeds_dir, target_is_directory=True)
    dags = workdir / "dags"
    dags.mkdir()
    (dags / "bench.py").write_text(COSMOS_DAG.format(project=str(settings().dbt_project_dir),
                                                     manifest=str(dbt_target_dir() / "manifest.json")))
    airflow_env.apply(workdir / "airflow")
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
    airflow_env.migrate_metadata_db()
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=dags, safe_mode=False).dags["bench_cosmos_local"]
    started = time.perf_counter()
    run = dag.test()
    return time.perf_counter() - started, len(dag.tasks), str(run.state)


def summary(report: dict) -> dict[str, object]:
    """One row of the README's results table (benchmarks/report.py)."""
    return {
        "compared": f"one `dbt build` task vs Cosmos LOCAL ({report['cosmos_local_tasks']} tasks) under dag.test()",
        "result": f"{report['single_dbt_build_s']} s vs {report['cosmos_local_s']} s:"
                  f" Cosmos {report['cosmos_local_over_single_build']}× slower",
        "target": "justify the DAG's single build",
        "meets_target": report["cosmos_local_over_single_build"] > 1,
        "load": report.get("load_average"),
    }


def main() -> None:
    os.environ.update(dbt_env(os.environ["CHISO_DATABASE_URL"]))
    single_s, single_line = time_single_build()
    with tempfile.TemporaryDirectory() as tmp:
        cosmos_s, tasks, state = time_cosmos_local(Path(tmp))
    report = {
        "benchmark": "dbt execution in the nightly DAG: one dbt build vs Cosmos LOCAL (one dbt call per node)",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "single_dbt_build_s": round(single_s, 1),
        "single_dbt_build": single_line,
        "cosmos_local_s": round(cosmos_s, 1),
        "cosmos_local_tasks": tasks,
        "cosmos_local_state": state,
        "cosmos_local_over_single_build": round(cosmos_s / single_s, 2),
        "cosmos_watcher": "not measurable under dag.test(): producer and sensors must run concurrently",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
