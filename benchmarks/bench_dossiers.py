"""The dossier feed at its real size: 5 M records loaded in bounded memory, and a night on top of that history
against a night on top of one month (targets: < 1 GiB RSS; ≤ 1,3×).

Two throwaway warehouses, each initialised by ``chiso init``, are filled through the real path: ``chiso extract
--source tthc_dossier`` (HTTP pages from the simulator, privacy, the loader's checks, COPY) and ``dbt build`` of the
dossier chain. One holds July 2025 only; the other every dossier received from 1 July 2025 until the day the
records pass ``--records``. Then ``--nights`` nights of each, interleaved: each syncs what changed since its
watermark and builds the chain incrementally. The simulator runs in this process with a clock set for each step
(01:30 in Lâm Đồng after the day loaded), so the nights ask what real ones would. Memory is the largest resident
set of the extract process (``wait4``); the simulator, a stand-in for the source system, is not counted.

    .venv/bin/python benchmarks/bench_dossiers.py [--records 5000000] [--nights 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from checkouts import load_average

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator import dossiers  # noqa: E402
from simulator.feeds import load_agencies  # noqa: E402
from simulator.server import Simulator, SimulatorState  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "dossiers.json"
TOKEN = "bench-dossiers"
SEED = 20250701
START = dossiers.PROVINCE_START
MONTH_END = date(2025, 7, 31)
FIRST_BUILD = ["+mart_tthc_service_index_month", "+figures__records", "figure_origins", "--indirect-selection",
               "cautious"]
NIGHT_BUILD = ["stg_tthc_dossier__state", "int_tthc_dossier__states", "fact_tthc_dossier",
               "mart_tthc_dossier_agency_month", "mart_tthc_service_index_month", "figures__records"]
MEMORY_TARGET_MIB, NIGHT_TARGET = 1024, 1.3


def night_of(day: date) -> datetime:
    """01:30 in Lâm Đồng on the day after ``day``: when the night that loads ``day`` runs."""
    following = day + timedelta(1)
    return datetime(following.year, following.month, following.day, 1, 30, tzinfo=UTC) - timedelta(hours=7)


def last_day_for(records: int, agencies) -> tuple[date, int]:
    """The first day by which ``records`` dossiers have arrived, and how many have by then."""
    model = dossiers.DossierModel(SEED, agencies)
    model.extend_to(START + timedelta(days=366 * 5))
    per_day = [sum(agency.daily[day][0] for agency in model.state.values()) for day in range(model.days)]
    total = 0
    for day, arrived in enumerate(per_day):
        total += arrived
        if total >= records:
            return START + timedelta(day), total
    raise SystemExit(f"fewer than {records:,} dossiers in five years")


def run(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run ``command``; its wall time, CPU time and largest resident set (MiB) from ``wait4``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-4000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "max_rss_mib": round(usage.ru_maxrss / 1024, 1)}


def warehouse(admin_url: str, name: str, simulator_url: str, state: Path) -> dict[str, str]:
    """A fresh database ``name`` initialised by ``chiso init``; the environment the pipeline runs in."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f'drop database if exists "{name}" with (force)')
        c.execute(f'create database "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "CHISO_DATABASE_URL": url, "CHISO_ADMIN_DATABASE_URL": url, "CHISO_STATE_DIR": str(state),
           "CHISO_SOURCE_URL": simulator_url, "CHISO_SOURCE_TOKEN": TOKEN, "CHISO_PSEUDONYM_KEY": "bench-key",
           "CHISO_HTTP_PAGE_SIZE": "5000", "CHISO_HTTP_DEADLINE_S": "1800"}
    run([sys.executable, "-m", "chiso.cli", "init"], env)
    return env


def extract(env: dict[str, str], start: date, end: date) -> dict[str, float]:
    return run([sys.executable, "-m", "chiso.cli", "extract", "--source", "tthc_dossier", "--from", start.isoformat(),
                "--to", end.isoformat()], env)


def build(env: dict[str, str], select: list[str]) -> dict[str, float]:
    code = f"from chiso.dbt import run_dbt; run_dbt(['build', '-s', *{select!r}])"
    return run([sys.executable, "-c", code], env)


def count_records(env: dict[str, str]) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(env["CHISO_DATABASE_URL"]) as c:
        return c.execute("select (select count(*) from raw.tthc_dossier_state),"
                         " (select count(*) from marts.fact_tthc_dossier)").fetchone()


def summary(report: dict) -> list[dict[str, object]]:
    """Rows of the README's results table (benchmarks/report.py)."""
    load, ratio = report["history_load"], report["night_ratio"]
    nights = report["nights"]
    return [{
        "compared": f"{report['history_records']:,} dossier records ({report['history_start']}.."
                    f"{report['history_end']}) through `chiso extract` (HTTP pages, privacy, checks, COPY)",
        "result": f"{load['wall_s']} s, extract process peak RSS {load['max_rss_mib']} MiB; first build of the chain"
                  f" {report['history_first_build']['wall_s']} s",
        "target": f"< {MEMORY_TARGET_MIB} MiB RSS",
        "meets_target": load["max_rss_mib"] < MEMORY_TARGET_MIB,
        "load": f"{report['load_before'][0]} → {report['load_after'][0]} (1 min)",
    }, {
        "compared": f"a night (sync + incremental build of the dossier chain) after {report['history_end']}"
                    f" against one after 1 month, {len(nights['history'])} interleaved nights each (medians)",
        "result": f"{nights['month_median_s']} s → {nights['history_median_s']} s (**{ratio}×**); sync"
                  f" {nights['month_sync_median_s']} → {nights['history_sync_median_s']} s, build"
                  f" {nights['month_build_median_s']} → {nights['history_build_median_s']} s",
        "target": f"≤ {NIGHT_TARGET}×",
        "meets_target": ratio <= NIGHT_TARGET,
        "load": f"{report['load_before'][0]} → {report['load_after'][0]} (1 min)",
    }]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    agencies = load_agencies(ROOT / "seeds" / "agencies.csv")
    last, expected = last_day_for(args.records, tuple(a for a in agencies if a.receives_dossiers))
    clock = [night_of(last)]
    state = SimulatorState(seed=SEED, token=TOKEN, agencies=agencies, clock=lambda: clock[0])
    simulator = Simulator(state).start()
    load_before = load_average()
    report: dict[str, object] = {"machine": platform.platform(), "cpus": os.cpu_count(), "load_before": load_before,
                                 "history_start": START.isoformat(), "history_end": last.isoformat()}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-dossiers-") as tmp:
            envs = {case: warehouse(args.database_url, f"chiso_bench_dossiers_{case}", simulator.url,
                                    Path(tmp) / case) for case in ("month", "history")}
            ends = {"month": MONTH_END, "history": last}
            for case in ("month", "history"):
                clock[0] = night_of(ends[case])
                report[f"{case}_load"] = extract(envs[case], START, ends[case])
                report[f"{case}_first_build"] = build(envs[case], FIRST_BUILD)
                print(case, report[f"{case}_load"], report[f"{case}_first_build"], flush=True)
            raw, facts = count_records(envs["history"])
            report.update(history_records=facts, history_raw_rows=raw, history_expected_records=expected)
            nights: dict[str, list[dict[str, object]]] = {"month": [], "history": []}
            for n in range(1, args.nights + 1):
                for case in ("month", "history"):
                    day = ends[case] + timedelta(n)
                    clock[0] = night_of(day)
                    sync = extract(envs[case], day, day)
                    built = build(envs[case], NIGHT_BUILD)
                    nights[case].append({"day": day.isoformat(), "sync": sync, "build": built,
                                         "wall_s": round(sync["wall_s"] + built["wall_s"], 2)})
                    print(case, nights[case][-1], flush=True)
    finally:
        simulator.stop()

    def median(case: str, part: str | None = None) -> float:
        values = [n["wall_s"] if part is None else n[part]["wall_s"] for n in nights[case]]
        return round(statistics.median(values), 2)

    report["nights"] = {**nights, **{f"{case}_{part}median_s": median(case, key)
                                     for case in ("month", "history")
                                     for part, key in (("", None), ("sync_", "sync"), ("build_", "build"))}}
    report["night_ratio"] = round(median("history") / median("month"), 3)
    report["load_after"] = load_average()
    report["meets_target"] = (report["history_load"]["max_rss_mib"] < MEMORY_TARGET_MIB
                              and report["night_ratio"] <= NIGHT_TARGET)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for row in summary(report):
        print(f"{row['compared']}: {row['result']} (target {row['target']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
