"""One night of ``chiso demo`` split into its phases: a base commit against the working tree, in the same run.

The base (default ``75a9581``, before the fixed start-up costs were cut) is checked out with ``git worktree add``
beside this checkout; it shares this checkout's venv when ``requirements.lock`` and ``pyproject.toml`` are the same
at both (its packages then come first on ``PYTHONPATH``), else it gets its own ``make install``. Each side keeps one
state folder (embedded PostgreSQL, Airflow home, dbt target) for all its nights, as a real deployment does: one
untimed first night creates it, then ``--repeats`` nights per side run interleaved (base, new, new, base, ...).

The phases come from what a night logs: the demo's own lines (timed as they are printed), the DAG log's
``[DAG TEST] starting/end task`` lines, chiso's ``dbt <command>`` lines and dbt's log (parse: "Running with dbt"
to "Found N models", plus any ``dbt parse`` command). Each night's CPU seconds (its processes, not the server)
sit beside the wall times, as the machine may be shared. Results, with the load average around each night, go
to ``results/night.json``.

    .venv/bin/python benchmarks/bench_night.py                    # 1 month, 3 nights per side
    .venv/bin/python benchmarks/bench_night.py --months 9 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from checkouts import add_worktree, clean_environ, git, load_average, make_install, remove_worktrees

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "night.json"
DEFAULT_BASE = "75a9581"  # every night migrated Airflow's DB and re-commented every column
LAST_DAY = date(2026, 3, 31)  # the demo's window ends here; --months counts back from it
#: demo stdout line prefix -> the event it marks
STDOUT_EVENTS = {"warehouse:": "pg_started", "chiso init:": "initialised", "source simulator": "simulator",
                 "running DAG": "airflow_started", "Airflow run": "dag_exited"}
LOG_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z ")
DBT_STAMP = re.compile(r"^\S*?(\d\d:\d\d:\d\d\.\d+) ")


def _same_lock(commit: str) -> bool:
    """Whether ``commit`` pins the same packages as the working tree (then the base can share its venv)."""
    return all(git("show", f"{commit}:{name}") == (ROOT / name).read_text(encoding="utf-8").strip()
               for name in ("requirements.lock", "pyproject.toml"))


def prepare_base(commit: str, folder: Path) -> dict[str, object]:
    """A worktree of ``commit`` in ``folder``, with this venv (same lock) or its own (``make install``)."""
    full = add_worktree(commit, folder)
    shared = _same_lock(commit)
    if not shared:
        make_install(folder, f"bench_night's base ({commit})")
    venv = ROOT / ".venv" if shared else folder / ".venv"
    return {"side": "old", "commit": full, "folder": folder, "venv": venv, "shared_venv": shared}


def side_env(side: dict[str, object], state: Path) -> dict[str, str]:
    """The environment of one side's night: its own state folder; the base's packages first on the path."""
    env = clean_environ()
    env.update(CHISO_STATE_DIR=str(state), PYTHONUNBUFFERED="1")
    if side["side"] == "old":
        env["PYTHONPATH"] = str(side["folder"])  # before the editable install of this checkout
    return env


def run_night(side: dict[str, object], state: Path, window: tuple[date, date]) -> dict[str, object]:
    """One ``chiso demo`` night; returns the time of each event it printed or logged (seconds from its start)."""
    dbt_log = state / "logs" / "dbt.log"
    dbt_offset = dbt_log.stat().st_size if dbt_log.exists() else 0
    cmd = [str(Path(str(side["venv"])) / "bin" / "chiso"), "demo", "--from", window[0].isoformat(),
           "--to", window[1].isoformat()]
    started_wall, started, cpu = time.time(), time.monotonic(), _children_cpu()
    events: dict[str, float] = {}
    out: list[str] = []
    with subprocess.Popen(cmd, cwd=str(side["folder"]), env=side_env(side, state), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout or []:
            out.append(line)
            for prefix, name in STDOUT_EVENTS.items():
                if line.startswith(prefix):
                    events.setdefault(name, time.monotonic() - started)
    events["exited"] = time.monotonic() - started
    cpu = _children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"bench_night: the {side['side']} night failed:\n{''.join(out[-40:])}")
    events.update(dag_log_events(state / "logs" / "demo-nightly.log", started_wall))
    return {"events": events, "dbt_parse_s": dbt_parse_times(dbt_log, dbt_offset), "cpu_s": round(cpu, 2)}


def _children_cpu() -> float:
    """User + system CPU seconds of the finished children (the night and the Airflow CLI it waits for; not the
    embedded PostgreSQL, a daemon): a measure of the work done that a busy machine inflates less than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def dag_log_events(log_file: Path, started_wall: float) -> dict[str, float]:
    """Task starts and ends, chiso's dbt commands and the run's end from the DAG log, as seconds from the start."""
    events: dict[str, float] = {}
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        stamp = LOG_STAMP.match(line)
        if not stamp:
            continue
        at = datetime.fromisoformat(stamp.group(1)).replace(tzinfo=UTC).timestamp() - started_wall
        task = re.search(r"\[DAG TEST\] (starting|end task) task_id=(\w+)", line)
        if task:
            events[f"{'start' if task.group(1) == 'starting' else 'end'}:{task.group(2)}"] = at
        elif "[chiso.dbt]" in line:
            message = line.split("]", 1)[1].split("[chiso.dbt]", 1)[0].split()
            events.setdefault(" ".join(word for word in message if not word.startswith("--")), at)
        elif "DagRun Finished" in line:
            events["dag_finished"] = at
    return events


def dbt_parse_times(dbt_log: Path, offset: int) -> list[float]:
    """Per dbt invocation of the night: seconds from "Running with dbt" to "Found N models" (loading the project),
    and the wall time of any ``dbt parse`` command (its resource report)."""
    lines = _log_since(dbt_log, offset)
    times, begun = [], None
    for line in lines:
        stamp = DBT_STAMP.match(line)
        if not stamp:
            continue
        at = datetime.strptime(stamp.group(1), "%H:%M:%S.%f")
        parse_command = re.search(r'"command_name": "parse".*?"command_wall_clock_time": ([\d.]+)', line)
        if parse_command:  # an explicit ``dbt parse`` (the new code's one parse per process)
            times.append(round(float(parse_command.group(1)), 3))
        elif "Running with dbt=" in line:
            begun = at
        elif begun and re.search(r"\]: Found \d+ models", line):
            times.append(round((at - begun) / timedelta(seconds=1), 3))
            begun = None
    return times


def _log_since(log: Path, offset: int) -> list[str]:
    """The lines written to ``log`` since it was ``offset`` bytes long, across one rotation (dbt keeps
    ``dbt.log.1`` when the log passes its size limit)."""
    parts = []
    if log.stat().st_size < offset:
        parts.append((log.with_name(log.name + ".1"), offset))
        offset = 0
    parts.append((log, offset))
    lines: list[str] = []
    for path, start in parts:
        if path.exists():
            with path.open("rb") as fh:
                fh.seek(start)
                lines += fh.read().decode("utf-8", errors="replace").splitlines()
    return lines


def _span(events: dict[str, float], first: str, last: str) -> float | None:
    if first in events and last in events:
        return round(events[last] - events[first], 3)
    return None


def phases(night: dict[str, object]) -> dict[str, float | None]:
    """The night's phases (seconds) from its events."""
    ev: dict[str, float] = night["events"]  # type: ignore[assignment]
    ev.setdefault("start", 0.0)
    tasks = sorted({k.split(":", 1)[1] for k in ev if k.startswith("start:")}, key=lambda t: ev[f"start:{t}"])
    first_task = f"start:{tasks[0]}" if tasks else "dag_finished"
    result: dict[str, float | None] = {
        "python + embedded PG start": _span(ev, "start", "pg_started"),
        "chiso init + simulator": _span(ev, "pg_started", "simulator"),
        "airflow set-up (db migrate, pools)": _span(ev, "simulator", "airflow_started"),
        "airflow CLI + DAG parse": _span(ev, "airflow_started", first_task),
    }
    result.update({f"task {t}": _span(ev, f"start:{t}", f"end:{t}") for t in tasks})
    result.update({
        "build: warm-up before dbt": _span(ev, "start:build_warehouse", "dbt source freshness"),
        "dbt source freshness": _span(ev, "dbt source freshness", "dbt build"),
        "dbt build": _span(ev, "dbt build", "end:build_warehouse"),
        "dbt docs generate": _span(ev, "dbt docs generate", "end:generate_docs"),
        "dbt parse (all invocations)": round(sum(night["dbt_parse_s"]), 3),  # type: ignore[arg-type]
        "dag end -> CLI exit": _span(ev, "dag_finished", "dag_exited"),
        "summary + exit": _span(ev, "dag_exited", "exited"),
        "total": _span(ev, "start", "exited"),
        "CPU s (night + Airflow CLI)": night["cpu_s"],  # type: ignore[dict-item]
    })
    return result


def summarise(runs: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """Per phase: min and median of each side, and the ratio new/old of the medians."""
    table: dict[str, dict[str, object]] = {}
    for run in runs:
        for phase, value in run["phases"].items():  # type: ignore[union-attr]
            if value is not None:
                table.setdefault(phase, {"old": [], "new": []})[run["side"]].append(value)  # type: ignore[union-attr]
    summary = {}
    for phase, sides in table.items():
        row: dict[str, object] = {}
        for side in ("old", "new"):
            values = sides[side]
            row[side] = {"min": min(values), "median": round(statistics.median(values), 3)} if values else None
        old, new = row["old"], row["new"]
        row["ratio_new_old"] = (round(new["median"] / old["median"], 3)  # type: ignore[index]
                                if old and new and old["median"] else None)  # type: ignore[index]
        summary[phase] = row
    return summary


def print_table(summary: dict[str, dict[str, object]]) -> None:
    print(f"{'phase':40} {'old min':>8} {'old med':>8} {'new min':>8} {'new med':>8} {'new/old':>8}")
    for phase, row in summary.items():
        cells = []
        for side in ("old", "new"):
            cell = row[side] or {}
            cells += [f"{cell.get('min', float('nan')):8.2f}", f"{cell.get('median', float('nan')):8.2f}"]
        ratio = row["ratio_new_old"]
        print(f"{phase:40} {' '.join(cells)} {ratio if ratio is not None else '-':>8}")


def measure(sides: list[dict[str, object]], states: dict[str, Path], window: tuple[date, date],
            repeats: int) -> list[dict[str, object]]:
    """One untimed first night per side, then ``repeats`` timed nights per side, interleaved."""
    for side in sides:
        run_night(side, states[str(side["side"])], window)
        print(f"{side['side']}: first night done (creates the state folder; not timed)", flush=True)
    runs = []
    for n in range(repeats):
        for side in sides if n % 2 == 0 else sides[::-1]:
            load_before = load_average()
            night = run_night(side, states[str(side["side"])], window)
            record = {"side": side["side"], "repeat": n, "load_before": load_before, "load_after": load_average(),
                      "phases": phases(night), "dbt_parse_s": night["dbt_parse_s"], "events": night["events"]}
            runs.append(record)
            print(f"{side['side']} #{n}: {record['phases']['total']:.1f} s, load {load_before} ->"
                  f" {record['load_after']}", flush=True)
    return runs


def summary(report: dict) -> dict[str, object]:
    """One row of the README's results table (benchmarks/report.py)."""
    total, cpu = report["phases"]["total"], report["phases"]["CPU s (night + Airflow CLI)"]
    setup = report["phases"]["airflow set-up (db migrate, pools)"]
    loads = [r["load_before"][0] for r in report["runs"]] + [r["load_after"][0] for r in report["runs"]]
    old, new = report["sides"]["old"]["commit"][:7], report["sides"]["new"]["commit"][:7]
    return {
        "compared": f"one night of {report['months']} month(s) ({report['window'][0]}..{report['window'][1]}),"
                    f" {old} vs {new}, {report['repeats']} interleaved nights each (medians)",
        "result": f"{total['old']['median']} s → {total['new']['median']} s ({total['ratio_new_old']}×);"
                  f" CPU {cpu['old']['median']} → {cpu['new']['median']} s ({cpu['ratio_new_old']}×);"
                  f" Airflow set-up {setup['old']['median']} → {setup['new']['median']} s",
        "target": "the 9-month night ≤ 0,5× today's (issue 14; measured here at the months given)",
        "meets_target": total["ratio_new_old"] <= 0.5,
        "load": f"{min(loads)}–{max(loads)} (1 min)",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base commit (default {DEFAULT_BASE})")
    parser.add_argument("--months", type=int, default=1, help="months of history the night loads (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="timed nights per side, interleaved (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the base checkout and the state folders")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    first = (LAST_DAY.replace(day=1) - timedelta(days=31 * (args.months - 1))).replace(day=1)
    window = (first, LAST_DAY)
    work = Path(tempfile.mkdtemp(prefix="chiso-bench-night-"))
    base_folder = Path(tempfile.mkdtemp(prefix=".chiso-bench-night-base-", dir=ROOT.parent))
    base_folder.rmdir()
    try:
        base = prepare_base(args.base, base_folder)
        new = {"side": "new", "commit": git("rev-parse", "HEAD"), "folder": ROOT, "venv": ROOT / ".venv",
               "shared_venv": True, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
        sides = [base, new]
        states = {s: work / s for s in ("old", "new")}
        runs = measure(sides, states, window, args.repeats)
        summary = summarise(runs)
        report = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
                  "cpus": os.cpu_count(), "python": sys.version.split()[0], "window": [d.isoformat() for d in window],
                  "months": args.months, "repeats": args.repeats,
                  "sides": {str(s["side"]): {k: str(v) for k, v in s.items() if k != "side"} for s in sides},
                  "phases": summary, "runs": runs}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print_table(summary)
        print(f"written {args.output}")
    finally:
        if args.keep:
            print(f"kept: {base_folder} {work}")
        else:
            remove_worktrees([base_folder])
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
