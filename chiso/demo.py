"""``make demo``: run the nightly DAG through Airflow on a local warehouse and print what it produced."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from chiso import airflow_env
from chiso.config import child_environment, override, settings
from chiso.database import connect, database_url, to_url
from chiso.dbt import dbt_target_dir
from chiso.roles import RUNTIME_LOGIN, TRANSFORMER, ensure_login
from chiso.warehouse import STATIC_DOCS, init_warehouse

#: The demo reruns the night after Q1/2026 over everything since the merger, so the marts can be checked
#: against the figures the province published for Q1/2026 (002:775) and since 01/7/2025 (002:776).
DEFAULT_FROM = date(2025, 7, 1)
DEFAULT_TO = date(2026, 3, 31)


def run_nightly_dag(date_from: date, date_to: date, log_file: Path, env: Mapping[str, str]) -> dict[str, str]:
    """``airflow dags test chiso_nightly`` in ``env`` over ``date_from..date_to``; returns the finished run's fields.

    The run is triggered now, as an operator's backfill is: its logical date and start are the moment it ran (a
    logical date in the past would make ``dags test`` start the run then, and the UI show it lasting months); the
    days it loads travel in its conf.
    """
    conf = json.dumps({"from": date_from.isoformat(), "to": date_to.isoformat()})
    cmd = [*airflow_env.airflow_cli(), "dags", "test", "chiso_nightly", "--conf", conf]
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w", encoding="utf-8") as fh:
        proc = subprocess.run(cmd, env=dict(env), stdout=fh, stderr=subprocess.STDOUT)
    log_text = log_file.read_text(encoding="utf-8", errors="replace")
    finished = [line for line in log_text.splitlines() if "DagRun Finished" in line]
    if proc.returncode != 0 or not finished or "state=success" not in finished[-1]:
        tail = "\n".join(log_text.splitlines()[-60:])
        raise SystemExit(f"the nightly DAG failed (exit {proc.returncode}); log: {log_file}\n{tail}")
    return finished_run(finished[-1])


def finished_run(line: str) -> dict[str, str]:
    """The ``key=value`` fields of Airflow's 'DagRun Finished: …' log line (run_id, run_start_date, run_duration…)."""
    fields = line.split("DagRun Finished:", 1)[1]
    return dict(re.findall(r"(\w+)=([^,\[]+?)(?:,|\s\[|$)", fields))


def run_line(run: Mapping[str, str]) -> str:
    return (f"Airflow run {run.get('run_id')}: started {run.get('run_start_date')},"
            f" {float(run.get('run_duration') or 0):.0f} s, {run.get('state')}")


def summary_lines(export_dir: Path) -> list[str]:
    lines = ["Rows in raw (current batches) per source:"]
    with connect(role=TRANSFORMER) as conn:
        for source, entity, batches, rows, first, last, synthetic in conn.execute(
            "select source, entity, count(*), sum(row_count), min(period_start), max(period_end), bool_or(is_synthetic)"
            " from raw.load_batch where status = 'loaded' group by source, entity order by source, entity"
        ):
            label = " (synthetic)" if synthetic else ""
            lines.append(f"  {source}.{entity}: {rows} rows in {batches} batches, {first}..{last}{label}")
        lines.append("Mart mart_tthc_agency_month (rates recomputed from the summed counts):")
        windows = (("Q1/2026", "2026-01-01", "2026-03-01"), ("since 01/7/2025", "2025-07-01", "2099-12-01"))
        for label, first, last in windows:
            totals = conn.execute(
                "select sum(received_count), sum(received_online_count), sum(resolved_in_time_count),"
                " sum(resolved_overdue_count),"
                " round(100.0 * sum(received_online_count) / nullif(sum(received_count), 0), 2),"
                " round(100.0 * sum(resolved_in_time_count) / nullif(sum(resolved_count), 0), 2)"
                " from marts.mart_tthc_agency_month where month_start between %s and %s", (first, last),
            ).fetchone()
            lines.append(f"  {label}: received {totals[0]}, online {totals[1]} ({totals[4]} %),"
                         f" resolved in time {totals[2]} ({totals[5]} %), overdue {totals[3]}")
        index = conn.execute(
            "select month_label_vi, progress_points, digitisation_points, online_points, computable_points,"
            " computable_max_points from marts.mart_tthc_service_index_month where scope = 'province'"
            " order by month_start desc limit 1").fetchone()
        if index:
            lines.append(f"Service index from the dossier records, province, {index[0]}"
                         f" (marts.mart_tthc_service_index_month): progress {index[1]}, digitisation {index[2]},"
                         f" online {index[3]}: {index[4]} of the {index[5]} points the records allow")
        findings = conn.execute("select rule_code, count(*) from marts.mart_published_inconsistencies"
                                " group by rule_code order by rule_code").fetchall()
        lines.append("Contradictions found in the province's own reports (marts.mart_published_inconsistencies): "
                     + ", ".join(f"{rule} {n}" for rule, n in findings))
        open_findings = conn.execute(
            "select severity, count(*) from marts.mart_quality_findings where status = 'open'"
            " group by severity order by severity").fetchall()
        lines.append("Open data-quality findings over every origin (marts.mart_quality_findings, quality.html): "
                     + (", ".join(f"{severity} {n}" for severity, n in open_findings) or "none"))
        coverage = conn.execute(
            "select figure_count, matched_count, differs_count, inconsistent_count, not_computable_count"
            " from marts.mart_published_coverage_summary where family = 'all'").fetchone()
        if coverage:
            lines.append(f"Published actuals in scope (marts.mart_published_coverage): {coverage[0]}: matched"
                         f" {coverage[1]}, differs {coverage[2]}, inconsistent {coverage[3]},"
                         f" not computable {coverage[4]}")
        statuses = conn.execute("select status, count(*) from marts.mart_scorecard where scope_code = 'province_total'"
                                " group by status order by status").fetchall()
        lines.append("08-KH/TU scorecard, province (marts.mart_scorecard): "
                     + ", ".join(f"{status} {n}" for status, n in statuses))
    manifest = export_dir / "manifest.json"
    if manifest.exists():
        lines.append(f"Exports in {export_dir}:")
        for ds in json.loads(manifest.read_text(encoding="utf-8"))["datasets"]:
            lines.append(f"  {ds['path']}: {ds['rows']} rows")
    lines.append(f"dbt docs: {dbt_target_dir() / STATIC_DOCS} (one file: open it in a browser, from disk or a share;"
                 " or: chiso docs --serve)")
    return lines


def dbt_build_line(log_file: Path) -> str:
    for line in reversed(log_file.read_text(encoding="utf-8", errors="replace").splitlines()):
        if "Done. PASS=" in line:
            return "dbt build: " + line.split("Done. ", 1)[1].strip()
    return "dbt build: see the DAG log"


def embedded_runtime_login(admin: str) -> str:
    """On the embedded server, whose only login is its superuser: the administrator's URL becomes
    ``CHISO_ADMIN_DATABASE_URL``, and the night logs in as ``chiso``, a login without superuser (as in production)."""
    with connect(admin) as conn:
        ensure_login(conn, RUNTIME_LOGIN)
    runtime = to_url(admin, user=RUNTIME_LOGIN)
    override(admin_database_url=admin, database_url=runtime)
    return runtime


def main(date_from: date = DEFAULT_FROM, date_to: date = DEFAULT_TO) -> None:
    started = time.monotonic()
    cfg = settings()
    url = database_url()  # starts the embedded PostgreSQL when CHISO_DATABASE_URL is unset
    where = "embedded PostgreSQL in " + str(cfg.pgdata_dir) if cfg.database_url is None else "CHISO_DATABASE_URL"
    print(f"warehouse: {where}", flush=True)
    if cfg.database_url is None:
        embedded_runtime_login(url)
    # the administrator's one-off step; the night itself then runs as the loader and transformer roles
    print(f"chiso init: roles and grants; the night runs as {init_warehouse()} (no superuser)", flush=True)

    from simulator.server import make_simulator

    simulator = None
    if not settings().source_url:
        simulator = make_simulator(cfg.simulator_seed, cfg.source_token, cfg.seeds_dir / "agencies.csv").start()
        override(source_url=simulator.url)
        print(f"source simulator (synthetic data): {simulator.url}", flush=True)
    if settings().task_retries is None:
        override(task_retries=0)  # a local run fails at once instead of waiting to retry
    # Airflow gets this process's settings (the URLs just decided) as CHISO_* variables; the night is no admin
    env = child_environment(extra=airflow_env.airflow_environ(), drop=["CHISO_ADMIN_DATABASE_URL"])
    airflow_env.migrate_metadata_db(env)
    log_file = cfg.state_dir / "logs" / "demo-nightly.log"
    print(f"running DAG chiso_nightly through Airflow for {date_from}..{date_to} (log: {log_file})", flush=True)
    try:
        run = run_nightly_dag(date_from, date_to, log_file, env)
    finally:
        if simulator:
            simulator.stop()
    print()
    print(run_line(run))
    print(dbt_build_line(log_file))
    for line in summary_lines(settings().export_dir):
        print(line)
    print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
