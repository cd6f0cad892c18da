"""The test suite's wall time, side by side: a base commit against HEAD, each in its own git worktree and venv.

Each side is checked out with ``git worktree add`` in a temporary folder and installed with its own
``make install``; then, ``--repeats`` times and alternating which side goes first, each side runs ``make lint``
(when its Makefile has that target) and ``python -m pytest``. Wall times, pass/fail/skip counts (from pytest's
JUnit XML) and the load average before and after every run go to ``results/suite.json``.

    .venv/bin/python benchmarks/bench_suite.py                      # 11aaea7 (before issue 12) vs HEAD, once
    .venv/bin/python benchmarks/bench_suite.py --repeats 3          # interleaved: base, head, head, base, ...
    .venv/bin/python benchmarks/bench_suite.py -- -k "roles or publish"   # a quick check of the script itself

Run it on an idle machine: the ratio is only meaningful when both sides saw the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from checkouts import add_worktree, clean_environ, load_average, make_install, remove_worktrees

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "suite.json"
DEFAULT_BASE = "11aaea7"  # the commit before issue 12
#: variables of the caller that would point the suites at another warehouse or source
def prepare(side: str, commit: str, folder: Path) -> dict[str, object]:
    """A worktree of ``commit`` in ``folder`` with its own venv (its ``make install``)."""
    full = add_worktree(commit, folder)
    started = time.monotonic()
    make_install(folder, f"bench_suite's {side} ({commit})")
    has_lint = subprocess.run(["make", "-n", "lint"], cwd=folder, capture_output=True).returncode == 0
    return {"side": side, "commit": full, "folder": str(folder), "has_lint": has_lint,
            "install_s": round(time.monotonic() - started, 1)}


def _counts(junit: Path) -> dict[str, int]:
    if not junit.exists():
        return {}
    suites = ET.parse(junit).getroot()
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites.iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
    totals["passed"] = totals["tests"] - totals["failures"] - totals["errors"] - totals["skipped"]
    return totals


def run_once(prepared: dict[str, object], pytest_args: list[str], lint: bool, log_dir: Path, n: int) -> dict:
    folder = Path(str(prepared["folder"]))
    record: dict[str, object] = {"side": prepared["side"], "repeat": n, "load_before": load_average(),
                                 "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    lint_s = 0.0
    if lint and prepared["has_lint"]:
        started = time.monotonic()
        done = subprocess.run(["make", "lint"], cwd=folder, env=clean_environ(), capture_output=True, text=True)
        lint_s = time.monotonic() - started
        record.update(lint_s=round(lint_s, 1), lint_rc=done.returncode)
        (log_dir / f"{prepared['side']}-{n}-lint.log").write_text(done.stdout + done.stderr)
    junit = log_dir / f"{prepared['side']}-{n}.xml"
    started = time.monotonic()
    done = subprocess.run([str(folder / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           f"--junit-xml={junit}", *pytest_args], cwd=folder, env=clean_environ(),
                          capture_output=True, text=True)
    pytest_s = time.monotonic() - started
    (log_dir / f"{prepared['side']}-{n}.log").write_text(done.stdout + done.stderr)
    tail = [line for line in done.stdout.splitlines() if line.strip()][-1:] or [""]
    record.update(pytest_s=round(pytest_s, 1), pytest_rc=done.returncode, total_s=round(pytest_s + lint_s, 1),
                  counts=_counts(junit), summary=tail[0], load_after=load_average())
    print(f"{prepared['side']} #{n}: pytest {pytest_s:.1f} s ({tail[0]}), lint {lint_s:.1f} s, "
          f"load {record['load_before']} -> {record['load_after']}", flush=True)
    return record


def summary(report: dict) -> dict[str, object]:
    """One row of the README's results table (benchmarks/report.py)."""
    base, head = report["sides"]["base"], report["sides"]["head"]
    loads = [r["load_before"][0] for r in report["runs"]] + [r["load_after"][0] for r in report["runs"]]
    counts = {r["side"]: r["counts"] for r in report["runs"]}
    return {
        "compared": f"`make test` of {base['commit'][:7]} vs {head['commit'][:7]}, {report['repeats']} run(s) each,"
                    " interleaved",
        "result": f"{head['median_total_s']} s ({counts['head']['passed']} passed) vs {base['median_total_s']} s"
                  f" ({counts['base']['passed']} passed): {report['head_over_base_total']}×",
        "target": "≤ 0,5× the base (issue 12)",
        "meets_target": report["head_over_base_total"] <= 0.5,
        "load": f"{min(loads)}–{max(loads)} (1 min)",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base commit (default {DEFAULT_BASE})")
    parser.add_argument("--head", default="HEAD", help="commit to compare with the base (default HEAD)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each side, interleaved (default 1)")
    parser.add_argument("--no-lint", action="store_true", help="time pytest only, not make lint")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees and logs (printed at the end)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest on both sides (e.g. -k roles)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="chiso-bench-suite-"))
    # the checkouts sit beside this one, as the project expects (../shared/reference is read by the seed tests)
    checkouts = {side: Path(tempfile.mkdtemp(prefix=f".chiso-bench-{side}-", dir=ROOT.parent))
                 for side in ("base", "head")}
    sides: list[dict[str, object]] = []
    try:
        for side, commit in (("base", args.base), ("head", args.head)):
            checkouts[side].rmdir()
            sides.append(prepare(side, commit, checkouts[side]))
            print(f"{side}: {sides[-1]['commit'][:10]} installed in {sides[-1]['install_s']} s", flush=True)
        logs = work / "logs"
        logs.mkdir()
        runs = []
        for n in range(args.repeats):
            order = sides if n % 2 == 0 else sides[::-1]  # interleaved, so drifting load falls on both sides
            runs.extend(run_once(p, args.pytest_args, not args.no_lint, logs, n) for p in order)
        summary = {}
        for p in sides:
            mine = [r for r in runs if r["side"] == p["side"]]
            summary[p["side"]] = {"commit": p["commit"],
                                  "median_total_s": statistics.median(r["total_s"] for r in mine),
                                  "median_pytest_s": statistics.median(r["pytest_s"] for r in mine),
                                  "all_green": all(r["pytest_rc"] == 0 for r in mine)}
        ratio = round(summary["head"]["median_total_s"] / summary["base"]["median_total_s"], 3)
        report = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
                  "cpus": os.cpu_count(), "python": sys.version.split()[0], "pytest_args": args.pytest_args,
                  "repeats": args.repeats, "sides": summary, "head_over_base_total": ratio,
                  "install": {p["side"]: p["install_s"] for p in sides}, "runs": runs}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps({k: report[k] for k in ("sides", "head_over_base_total")}, indent=2))
        print(f"written {args.output}")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            remove_worktrees(p["folder"] for p in sides)
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
