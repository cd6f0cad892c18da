"""Nights of ``chiso demo`` split into their phases, at 1 month, 9 months, 1 year and 3 years of history: a base
commit against the working tree, in the same run.

Each side keeps one state folder (embedded PostgreSQL, Airflow home, dbt target) for all its nights, as a real
deployment does. History grows forward from the merger (1 July 2025): the side is backfilled through Airflow up
to ``--histories`` months (runs of at most 366 days, the DAG's window limit: their time is the backfill), then
``--repeats`` nights each load the next day, as the nightly run does at 01:30 in Lâm Đồng. Every run has its clock
set to that moment with libfaketime (``LD_PRELOAD``; Debian's ``faketime`` package, ``make bench`` installs it),
so the simulator publishes nothing after the night and the late-correction check (``updated_since`` the
watermark) asks for what a real night would, not for "future" days. Between histories the backfill continues
from the last night's day.

The base (default ``75a9581``, before the speed work) is checked out with ``git worktree add`` beside this
checkout; it shares this checkout's venv when ``requirements.lock`` and ``pyproject.toml`` are the same at both
(its packages then come first on ``PYTHONPATH``), else it gets its own ``make install``. It runs at the histories
of ``--base-histories`` (default 9: the issue's target is the 9-month night), its nights interleaved with the new
code's (base, new, new, base, ...).

The phases come from what a night logs: the demo's own lines (timed as they are printed), the DAG log's
``[DAG TEST] starting/end task`` lines, chiso's ``dbt <command>`` lines and dbt's log (parse: "Running with dbt"
to "Found N models", plus any ``dbt parse`` command). Each night's CPU seconds and the peak RSS of its largest
process (the night and the Airflow CLI it waits for, from ``wait4``; not the PostgreSQL daemon) sit beside the
wall times, as the machine may be shared. Results, with the load average around each night, go to
``results/night.json``: per history and side min/median per phase, new/old ratios, and the new code's growth
from the shortest history to each longer one (whole night, dbt, publish).

    .venv/bin/python benchmarks/bench_night.py                            # 1, 9, 12, 36 months; 3 nights each
    .venv/bin/python benchmarks/bench_night.py --histories 1,12 --repeats 1 --base-histories ''
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from checkouts import add_worktree, clean_environ, git, load_average, make_install, remove_worktrees

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "night.json"
DEFAULT_BASE = "75a9581"  # every night migrated Airflow's DB and re-commented every column
PROVINCE_START = date(2025, 7, 1)  # the merged province's first day: the simulator serves nothing before it
MAX_RUN_DAYS = 366  # dags/chiso_dag_support.py MAX_WINDOW_DAYS: the most days one run may load
NIGHT_AT_UTC = (18, 30)  # 01:30 the next day in Lâm Đồng (UTC+7): after the source published the day (18:00 UTC)
FAKETIME_LIBS = ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/aarch64-linux-gnu/faketime/"
                 "libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1")
#: demo stdout line prefix -> the event it marks
STDOUT_EVENTS = {"warehouse:": "pg_started", "chiso init:": "initialised", "source simulator": "simulator",
                 "running DAG": "airflow_started", "Airflow run": "dag_exited"}
#: the parts of a night whose growth with history the issue bounds (new code: 3 years ≤ these × 1 month)
TOTAL, DBT, PUBLISH = "total", "dbt (tasks build_warehouse + generate_docs)", "publish (task publish_exports)"
GROWTH_TARGETS = {TOTAL: 1.2, DBT: 1.3, PUBLISH: 1.5}
MEMORY = "peak memory MiB (PSS: the run's tree + its PostgreSQL)"
MEMORY_TARGET_MIB = 1024
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
    return {"side": "old", "commit": full, "folder": folder, "venv": venv, "shared_venv": shared, "own_code": True}


def prepare_scaled(times: int, folder: Path) -> dict[str, object]:
    """A worktree of HEAD in ``folder`` whose province has ``times`` × the agencies (tools/scale_province.py):
    the new code, run on ``times`` × the rows per day of every per-agency feed."""
    full = add_worktree("HEAD", folder)
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "tools.scale_province", str(times),
                           "--root", str(folder)], cwd=folder, env=clean_environ(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench_night: tools.scale_province {times} failed:\n{done.stderr[-3000:]}")
    return {"side": "new", "commit": full, "folder": folder, "venv": ROOT / ".venv", "shared_venv": True,
            "own_code": True, "scale": times}


def faketime_lib() -> str:
    """libfaketime's preload library; stops the benchmark saying how to install it when it is missing."""
    for lib in FAKETIME_LIBS:
        if Path(lib).exists():
            return lib
    raise SystemExit("bench_night: libfaketime is missing (the nights run with the clock of the day they load):"
                     " run tools/install_programs.sh bench (make bench runs it), or apt-get install libfaketime")


def night_clock(day: date) -> datetime:
    """The moment the nightly run that loads ``day`` starts: 01:30 the next morning in Lâm Đồng."""
    return datetime(day.year, day.month, day.day, *NIGHT_AT_UTC, tzinfo=UTC)


def side_env(side: dict[str, object], state: Path, clock_offset_s: int) -> dict[str, str]:
    """The environment of one side's run: its own state folder, the base's packages first on the path, and every
    process of the run (the embedded PostgreSQL included) on a clock moved by ``clock_offset_s``."""
    env = clean_environ()
    env.update(CHISO_STATE_DIR=str(state), PYTHONUNBUFFERED="1",
               LD_PRELOAD=faketime_lib(), FAKETIME=f"{clock_offset_s:+d}")  # an offset: every process agrees
    if side.get("own_code"):  # the base, or the scaled copy: its code before the editable install of this checkout
        env["PYTHONPATH"] = str(side["folder"])
    return env


class TreeMemory(threading.Thread):
    """Samples, every ``interval`` seconds, the memory of a run's whole process tree (PSS, so pages shared between
    processes count once): the run and every descendant, and the embedded PostgreSQL of its state folder with its
    backends (a daemon, not the run's child). ``peak_mib`` is the largest sum seen."""

    def __init__(self, pid: int, state: Path, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.pgdata, self.interval = pid, str(state / "pgdata"), interval
        self.peak_mib, self._done = 0.0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.peak_mib = max(self.peak_mib, self.sample())

    def stop(self) -> float:
        self._done.set()
        self.join()
        return round(self.peak_mib, 1)

    def sample(self) -> float:
        parents: dict[int, int] = {}
        roots = {self.pid}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if self.pgdata in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    roots.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # the process ended meanwhile
        tree, grew = set(roots), True
        while grew:
            found = {pid for pid, parent in parents.items() if parent in tree} - tree
            tree |= found
            grew = bool(found)
        total_kib = 0
        for pid in tree:
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total_kib += int(line.split()[1])
            except OSError:
                continue
        return total_kib / 1024


def run_demo(side: dict[str, object], state: Path, window: tuple[date, date]) -> dict[str, object]:
    """One ``chiso demo`` over ``window`` at the clock of the night after its last day; returns the time of each
    event it printed or logged (seconds from its start), its CPU seconds and the peak RSS of its largest process."""
    dbt_log = state / "logs" / "dbt.log"
    dbt_offset = dbt_log.stat().st_size if dbt_log.exists() else 0
    cmd = [str(Path(str(side["venv"])) / "bin" / "chiso"), "demo", "--from", window[0].isoformat(),
           "--to", window[1].isoformat()]
    offset = round(night_clock(window[1]).timestamp() - time.time())
    started_wall, started = time.time(), time.monotonic()
    events: dict[str, float] = {}
    out: list[str] = []
    proc = subprocess.Popen(cmd, cwd=str(side["folder"]), env=side_env(side, state, offset), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    memory = TreeMemory(proc.pid, state)
    memory.start()
    for line in proc.stdout or []:
        out.append(line)
        for prefix, name in STDOUT_EVENTS.items():
            if line.startswith(prefix):
                events.setdefault(name, time.monotonic() - started)
    _, status, usage = os.wait4(proc.pid, 0)  # the run's own rusage: its CPU and its tree's largest process
    proc.returncode = os.waitstatus_to_exitcode(status)
    tree_mib = memory.stop()
    events["exited"] = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"bench_night: the {side['side']} run {window[0]}..{window[1]} failed:\n"
                         f"{''.join(out[-40:])}")
    events.update(dag_log_events(state / "logs" / "demo-nightly.log", started_wall + offset))
    return {"events": events, "dbt_parse_s": dbt_parse_times(dbt_log, dbt_offset),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "peak_tree_mib": tree_mib}


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
        "peak RSS MiB (largest process)": night["peak_rss_mib"],  # type: ignore[dict-item]
        MEMORY: night["peak_tree_mib"],  # type: ignore[dict-item]
    })
    tasks_dbt = [result.get(f"task {t}") for t in ("build_warehouse", "generate_docs")]
    result[DBT] = round(sum(tasks_dbt), 3) if None not in tasks_dbt else None  # type: ignore[arg-type]
    result[PUBLISH] = result.get("task publish_exports")
    return result


def summarise(runs: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """Per phase: min and median of each side, and the ratio new/old of the medians."""
    table: dict[str, dict[str, list[float]]] = {}
    for run in runs:
        for phase, value in run["phases"].items():  # type: ignore[union-attr]
            if value is not None:
                table.setdefault(phase, {"old": [], "new": []})[run["side"]].append(value)  # type: ignore[index]
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


def growth(by_history: dict[str, dict[str, dict[str, object]]]) -> dict[str, dict[str, object]]:
    """The new code's night at each history against the shortest one: medians of the whole night, dbt, publish."""
    months = sorted(by_history, key=int)
    first = by_history[months[0]]
    result = {}
    for history in months[1:]:
        row = {}
        for part, target in GROWTH_TARGETS.items():
            base, now = (first[part]["new"] or {}).get("median"), (by_history[history][part]["new"] or {}).get("median")
            ratio = round(now / base, 3) if base and now is not None else None
            row[part] = {"shortest": base, "this": now, "ratio": ratio, "target": target,
                         "meets_target": ratio is not None and ratio <= target}
        result[history] = row
    return result


def print_table(summary: dict[str, dict[str, object]]) -> None:
    print(f"{'phase':44} {'old min':>8} {'old med':>8} {'new min':>8} {'new med':>8} {'new/old':>8}")
    for phase, row in summary.items():
        cells = []
        for side in ("old", "new"):
            cell = row[side] or {}
            cells += [f"{cell.get('min', float('nan')):8.2f}", f"{cell.get('median', float('nan')):8.2f}"]
        ratio = row["ratio_new_old"]
        print(f"{phase:44} {' '.join(cells)} {ratio if ratio is not None else '-':>8}")


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def chunks(first: date, last: date) -> list[tuple[date, date]]:
    """``first..last`` as the runs of at most ``MAX_RUN_DAYS`` days a backfill through the DAG takes."""
    out = []
    while first <= last:
        out.append((first, min(last, first + timedelta(days=MAX_RUN_DAYS - 1))))
        first = out[-1][1] + timedelta(days=1)
    return out


class Side:
    """One checkout's state folder and how far its history reaches."""

    def __init__(self, checkout: dict[str, object], state: Path) -> None:
        self.checkout, self.state, self.loaded_to = checkout, state, PROVINCE_START - timedelta(days=1)
        self.name = str(checkout["side"])
        self.backfills: list[dict[str, object]] = []

    def backfill(self, last: date) -> None:
        """Load every day after the ones loaded so far up to ``last`` (timed: the backfill)."""
        for window in chunks(self.loaded_to + timedelta(days=1), last):
            run = run_demo(self.checkout, self.state, window)
            self.backfills.append({"from": window[0].isoformat(), "to": window[1].isoformat(),
                                   "total_s": round(run["events"]["exited"], 3), "cpu_s": run["cpu_s"],
                                   "peak_rss_mib": run["peak_rss_mib"], "peak_tree_mib": run["peak_tree_mib"]})
            print(f"{self.name}: backfill {window[0]}..{window[1]} {run['events']['exited']:.1f} s", flush=True)
        self.loaded_to = max(self.loaded_to, last)

    def night(self) -> dict[str, object]:
        """The next day's night."""
        self.loaded_to += timedelta(days=1)
        return run_demo(self.checkout, self.state, (self.loaded_to, self.loaded_to))


def measure(sides: list[Side], histories: list[int], base_histories: set[int],
            repeats: int) -> tuple[list[dict[str, object]], dict[str, object]]:
    """Per history: each side taking part backfilled to it, then ``repeats`` nights per side, interleaved."""
    runs = []
    for months in histories:
        history_end = add_months(PROVINCE_START, months) - timedelta(days=1)
        taking_part = [s for s in sides if s.name == "new" or months in base_histories]
        for side in taking_part:
            if side.loaded_to >= history_end:
                raise SystemExit(f"bench_night: {months} months of history end on {history_end}, before the"
                                 f" {side.name} side's last night ({side.loaded_to}): give longer histories")
            side.backfill(history_end)
        for n in range(repeats):
            for side in taking_part if n % 2 == 0 else taking_part[::-1]:
                load_before = load_average()
                night = side.night()
                record = {"side": side.name, "history_months": months, "day": side.loaded_to.isoformat(),
                          "repeat": n, "load_before": load_before, "load_after": load_average(),
                          "phases": phases(night), "dbt_parse_s": night["dbt_parse_s"], "events": night["events"]}
                runs.append(record)
                print(f"{side.name} {months} months #{n} ({side.loaded_to}): {record['phases']['total']:.1f} s,"
                      f" load {load_before} -> {record['load_after']}", flush=True)
    backfills = {s.name: {"runs": s.backfills, "total_s": round(sum(b["total_s"] for b in s.backfills), 3),
                          "first": PROVINCE_START.isoformat(), "last": s.loaded_to.isoformat()} for s in sides}
    return runs, backfills


def _cell(row: dict[str, object], side: str) -> str:
    cell = row[side] or {}
    return f"{cell.get('min')}/{cell.get('median')} s"


def summary(report: dict) -> list[dict[str, object]]:
    """Rows of the README's results table (benchmarks/report.py): new against old per history the base ran at,
    the new code's growth, and the backfill."""
    loads = [r["load_before"][0] for r in report["runs"]] + [r["load_after"][0] for r in report["runs"]]
    load = f"{min(loads)}–{max(loads)} (1 min)"
    old, new = report["sides"]["old"]["commit"][:7], report["sides"]["new"]["commit"][:7]
    rows: list[dict[str, object]] = []
    for months, table in report["histories"].items():
        total, cpu = table[TOTAL], table["CPU s (night + Airflow CLI)"]
        if not total["old"]:
            continue
        rows.append({
            "compared": f"one night after {months} month(s) of history, {old} vs {new}, {report['repeats']}"
                        f" interleaved nights each (min/median)",
            "result": f"{_cell(total, 'old')} → {_cell(total, 'new')} ({total['ratio_new_old']}× median); CPU"
                      f" {cpu['old']['median']} → {cpu['new']['median']} s ({cpu['ratio_new_old']}×)",
            "target": "the 9-month night ≤ 0,5× today's" if months == "9" else "– (the target is at 9 months)",
            "meets_target": total["ratio_new_old"] <= 0.5 if months == "9" else None,
            "load": load,
        })
    shortest = min(report["histories"], key=int)
    province = f"{report.get('scale', 1)}× the province's agencies, " if report.get("scale", 1) > 1 else ""
    for months, parts in report["growth"].items():
        rows.append({
            "compared": f"{province}the new code's night after {months} months of history against after {shortest}"
                        f" ({new}, {report['repeats']} nights each, min/median)",
            "result": "; ".join(f"{part.split(' (')[0]} {_cell(report['histories'][shortest][part], 'new')} →"
                                f" {_cell(report['histories'][months][part], 'new')} ({row['ratio']}×)"
                                for part, row in parts.items()),
            "target": "; ".join(f"{part.split(' (')[0]} ≤ {row['target']}×" for part, row in parts.items())
                      + (" (issue 14, at 3 years)" if months == "36" else " (the 3-year targets)"),
            "meets_target": all(row["meets_target"] for row in parts.values()),
            "load": load,
        })
    for name, backfill in report["backfills"].items():
        rows.append({
            "compared": f"{province}the {name} code's backfill through the DAG, {backfill['first']}.."
                        f"{backfill['last']} less the nights' days, in {len(backfill['runs'])} runs of ≤ {MAX_RUN_DAYS}"
                        " days",
            "result": f"{backfill['total_s']} s; peak memory {max(b['peak_tree_mib'] for b in backfill['runs'])} MiB"
                      f" (largest process {max(b['peak_rss_mib'] for b in backfill['runs'])} MiB RSS)",
            "target": "–", "meets_target": None, "load": load,
        })
    nights = [r for r in report["runs"] if r["side"] == "new"]
    peak = max(r["phases"][MEMORY] for r in nights)
    rows.append({
        "compared": f"{province}peak memory of the new code's nights (PSS of the night's process tree and its"
                    f" PostgreSQL, sampled each second), {len(nights)} nights",
        "result": f"{peak} MiB (largest process {max(r['phases']['peak RSS MiB (largest process)'] for r in nights)}"
                  " MiB RSS)",
        "target": f"< {MEMORY_TARGET_MIB} MiB", "meets_target": peak < MEMORY_TARGET_MIB, "load": load,
    })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base commit (default {DEFAULT_BASE})")
    parser.add_argument("--histories", default="1,9,12,36",
                        help="months of history before the timed nights, ascending (default 1,9,12,36)")
    parser.add_argument("--base-histories", default="9",
                        help="the histories the base runs at too ('' for none; default 9)")
    parser.add_argument("--repeats", type=int, default=3, help="timed nights per side and history (default 3)")
    parser.add_argument("--scale", type=int, default=1,
                        help="N × the agencies (a worktree of HEAD through tools/scale_province.py), the new code"
                             " only: give --base-histories '' (default 1: the province as it is)")
    parser.add_argument("--keep", action="store_true", help="keep the base checkout and the state folders")
    parser.add_argument("--output", type=Path, default=None,
                        help="default results/night.json, results/night_scale<N>.json with --scale")
    args = parser.parse_args(argv)
    histories = sorted({int(m) for m in args.histories.split(",") if m})
    base_histories = {int(m) for m in args.base_histories.split(",") if m}
    if not histories or not base_histories <= set(histories):
        parser.error("--base-histories must be among --histories")
    if args.scale > 1 and base_histories:
        parser.error("--scale compares the new code with itself: give --base-histories ''")
    output = args.output or (RESULTS.with_name(f"night_scale{args.scale}.json") if args.scale > 1 else RESULTS)
    faketime_lib()

    work = Path(tempfile.mkdtemp(prefix="chiso-bench-night-"))
    base_folder = Path(tempfile.mkdtemp(prefix=".chiso-bench-night-base-", dir=ROOT.parent))
    base_folder.rmdir()
    try:
        checkouts = [prepare_scaled(args.scale, base_folder) if args.scale > 1 else
                     {"side": "new", "commit": git("rev-parse", "HEAD"), "folder": ROOT, "venv": ROOT / ".venv",
                      "shared_venv": True, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}]
        if base_histories:
            checkouts.insert(0, prepare_base(args.base, base_folder))
        sides = [Side(c, work / str(c["side"])) for c in checkouts]
        runs, backfills = measure(sides, histories, base_histories, args.repeats)
        by_history = {str(m): summarise([r for r in runs if r["history_months"] == m]) for m in histories}
        report = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
                  "cpus": os.cpu_count(), "python": sys.version.split()[0], "histories": by_history,
                  "growth": growth(by_history), "backfills": backfills, "repeats": args.repeats, "scale": args.scale,
                  "sides": {str(c["side"]): {k: str(v) for k, v in c.items() if k != "side"} for c in checkouts},
                  "runs": runs}
        if "old" not in report["sides"]:
            report["sides"]["old"] = {"commit": "(none)"}
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for months, table in by_history.items():
            print(f"--- after {months} month(s) of history")
            print_table(table)
        print(json.dumps(report["growth"], indent=1))
        print(f"written {output}")
    finally:
        if args.keep:
            print(f"kept: {base_folder} {work}")
        else:
            remove_worktrees([base_folder])
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
