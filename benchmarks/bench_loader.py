"""Raw loader throughput against plain COPY: HEAD's loader, the loader before the COPY-speed work, psycopg COPY, pandas.

    .venv/bin/python benchmarks/bench_loader.py                     # 1 M rows, 3 interleaved repeats
    .venv/bin/python benchmarks/bench_loader.py --rows 10000000     # RSS stays flat: rows stream from the file

The TTHC-shaped rows (the simulator's ``tthc.dossier_daily``, one batch over many days) are generated once into a
file; then, ``--repeats`` times in the order head, base, copy, copy_bytes, pandas, each method loads them in its
own child process into its own throwaway database on the same server:

* ``head``: ``extract.loader.load_batch`` of this checkout, with every check it makes (types, bounds, period,
  drift, the key's uniqueness);
* ``base``: the same call in a ``git archive`` of the base commit (default ``75a9581``, before the COPY-speed work),
  unpacked beside this checkout, as ``bench_suite.py`` places its checkouts;
* ``copy``: psycopg ``copy ... from stdin`` with ``write_row`` of the same rows into the same table: no checks;
* ``copy_bytes``: the same COPY fed the rows' COPY text from a file written beforehand (the floor of any loader);
* ``pandas``: ``DataFrame.to_sql`` (SQLAlchemy, psycopg 3), the DataFrame built before the clock starts.

Up to ``--memory-rows`` rows (default 2 M) each child holds the rows in a list before the clock starts, so
generating and reading them is not measured; above it they stream from the file in every method (pandas then
sits out: it needs them all in a DataFrame). Each child reports its wall time, its peak RSS
(``resource.getrusage``) and the RSS its rows held before loading. The load average is read before and after each
run. Results go to ``results/loader.json``; run it on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from checkouts import git, load_average

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "loader.json"
DEFAULT_BASE = "75a9581"  # the commit before the loader ran at COPY speed
METHODS = ("head", "base", "copy", "copy_bytes", "pandas")
START = date(2000, 1, 1)
CHUNK = 10_000  # rows per pickle record in the rows file
TARGET = 0.85  # head's median rows/s over COPY's


# ---------- the rows, generated once


def _simulated_year() -> list[list[dict[str, object]]]:
    """One year of the simulator's TTHC rows, day by day (the counts each later day repeats)."""
    sys.path.insert(0, str(ROOT))
    from chiso.config import PROJECT_ROOT
    from simulator import tthc
    from simulator.feeds import load_agencies

    agencies = tuple(a for a in load_agencies(PROJECT_ROOT / "seeds" / "agencies.csv") if tthc.FEED.serves(a))
    return [tthc.generate_day(1, date(2025, 7, 1) + timedelta(n), agencies) for n in range(365)]


def tthc_rows(count: int) -> Iterator[dict[str, object]]:
    """``count`` TTHC rows from ``START`` on, one day after another; day n repeats day n mod 365's counts."""
    year, day, made = _simulated_year(), 0, 0
    while made < count:
        report_date = (START + timedelta(day)).isoformat()
        for row in year[day % 365][:count - made]:
            yield {**row, "report_date": report_date}
            made += 1
        day += 1


def write_rows(count: int, folder: Path) -> dict[str, object]:
    """The rows file (pickled lists of ``CHUNK`` dicts), its COPY text twin, and the period they cover."""
    batch_id, chunk, last = uuid.uuid4(), [], START
    names: list[str] = []
    with (folder / "rows.pickle").open("wb") as rows_file, (folder / "rows.copy").open("w") as copy_file:
        for row in tthc_rows(count):
            names = names or list(row)
            chunk.append(row)
            copy_file.write("\t".join([str(batch_id), *(str(row[n]) for n in names)]) + "\n")
            if len(chunk) == CHUNK:
                pickle.dump(chunk, rows_file, protocol=pickle.HIGHEST_PROTOCOL)
                chunk = []
            last = row["report_date"]
        if chunk:
            pickle.dump(chunk, rows_file, protocol=pickle.HIGHEST_PROTOCOL)
    return {"rows": count, "period": [START.isoformat(), str(last)], "copy_batch_id": str(batch_id),
            "columns": names}


def read_rows(folder: Path) -> Iterator[dict[str, object]]:
    with (folder / "rows.pickle").open("rb") as rows_file:
        while True:
            try:
                yield from pickle.load(rows_file)
            except EOFError:
                return


# ---------- one method in a child process


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _bench_spec():
    from extract.sources.base import SourceSpec
    from extract.sources.tthc import TTHC_DOSSIER_DAILY

    # the TTHC feed as one batch over many days, its key checked (the nightly path loads one day per batch)
    return SourceSpec(name="bench", entity="tthc_range", path="/", description="benchmark",
                      columns=TTHC_DOSSIER_DAILY.columns, key=TTHC_DOSSIER_DAILY.key)


def _load_with_loader(conn, rows, period: list[str]) -> int:
    from extract.loader import load_batch

    start, end = (date.fromisoformat(d) for d in period)
    return load_batch(conn, _bench_spec(), start, end, rows, source_url=None, is_synthetic=True).row_count


def _prepared_batch(conn, batch_id: uuid.UUID, period: list[str]) -> None:
    """A batch row for COPY and pandas to write under (outside the clock)."""
    conn.execute("insert into raw.load_batch (batch_id, source, entity, period_start, period_end, status,"
                 " is_synthetic, extracted_at) values (%s, 'bench', 'tthc_range', %s, %s, 'loading', true, now())",
                 (batch_id, *period))


def _copy_rows(conn, rows, batch_id: uuid.UUID) -> int:
    names = _bench_spec().column_names
    count = 0
    with conn.transaction(), conn.cursor() as cur, cur.copy(
            f"copy raw.bench_tthc_range (batch_id, {', '.join(names)}) from stdin") as copy:
        for row in rows:
            copy.write_row([batch_id, *(row[n] for n in names)])
            count += 1
    return count


def _copy_bytes(conn, folder: Path, columns: list[str]) -> int:
    with conn.transaction(), conn.cursor() as cur:
        with cur.copy(f"copy raw.bench_tthc_range (batch_id, {', '.join(columns)}) from stdin") as copy, \
                (folder / "rows.copy").open("rb") as source:
            while data := source.read(1 << 20):
                copy.write(data)
        return cur.rowcount


def _engine(url: str):
    import sqlalchemy

    return sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _to_sql(engine, frame) -> int:
    import sqlalchemy

    with engine.begin() as conn:
        frame.to_sql("bench_tthc_range", conn, schema="raw", if_exists="append", index=False, chunksize=10_000,
                     dtype={"batch_id": sqlalchemy.Uuid(), "report_date": sqlalchemy.Date()})
    return len(frame)


def child(method: str, url: str, folder: Path, in_memory: bool) -> dict[str, object]:
    """Run one method once; its time covers only the load (rows already in memory when ``in_memory``)."""
    meta = json.loads((folder / "meta.json").read_text())
    rows = list(read_rows(folder)) if in_memory else read_rows(folder)
    batch_id = uuid.UUID(meta["copy_batch_id"])
    import extract.loader
    from chiso.database import connect
    from extract.loader import ensure_raw_schema

    conn, frame, engine = connect(url), None, None  # connected and imported before the clock, in every method
    ensure_raw_schema(conn, _bench_spec())  # tables exist before the clock, as they do in a warehouse
    if method in ("copy", "copy_bytes", "pandas"):
        _prepared_batch(conn, batch_id, meta["period"])
    if method == "pandas":
        import pandas

        frame = pandas.DataFrame(rows, columns=meta["columns"])
        frame.insert(0, "batch_id", [batch_id] * len(frame))
        frame["report_date"] = [date.fromisoformat(d) for d in frame["report_date"]]
        rows, engine = None, _engine(url)  # the DataFrame holds the rows now
        engine.connect().close()
    rss_before = _rss_mib()
    started = time.perf_counter()
    if method in ("head", "base"):
        loaded = _load_with_loader(conn, rows, meta["period"])
    elif method == "copy":
        loaded = _copy_rows(conn, rows, batch_id)
    elif method == "copy_bytes":
        loaded = _copy_bytes(conn, folder, meta["columns"])
    else:
        loaded = _to_sql(engine, frame)
    seconds = time.perf_counter() - started
    conn.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"rows": loaded, "seconds": seconds, "loader_file": extract.loader.__file__,
            "rss_before_mib": round(rss_before, 1), "peak_rss_mib": round(peak, 1)}


# ---------- the parent: interleaved runs, summary



def run_once(method: str, admin_url: str, folder: Path, base_root: Path, in_memory: bool, n: int) -> dict:
    """One child process on a fresh database; HEAD's code, or the base commit's for ``base``."""
    sys.path.insert(0, str(ROOT))
    from chiso.database import create_database, drop_database, to_url

    dbname = f"chiso_bench_loader_{uuid.uuid4().hex[:8]}"
    create_database(admin_url, dbname)
    code_root = base_root if method == "base" else ROOT
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CHISO_")}, "PYTHONPATH": str(code_root)}
    record: dict[str, object] = {"method": method, "repeat": n, "load_before": load_average()}
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", method,
                               "--database-url", to_url(admin_url, dbname=dbname), "--folder", str(folder),
                               *(["--in-memory"] if in_memory else [])],
                              cwd=code_root, env=env, capture_output=True, text=True)
    finally:
        drop_database(admin_url, dbname)
    if done.returncode != 0:
        raise SystemExit(f"bench_loader: {method} failed:\n{done.stderr[-3000:]}")
    record.update(json.loads(done.stdout.strip().splitlines()[-1]), load_after=load_average())
    record["rows_per_s"] = round(record["rows"] / record["seconds"])
    record["seconds"] = round(record["seconds"], 3)
    print(f"{method:>10} #{n}: {record['rows']:,} rows in {record['seconds']:.2f} s = {record['rows_per_s']:,} rows/s,"
          f" peak RSS {record['peak_rss_mib']} MiB (rows {record['rss_before_mib']} MiB), load {record['load_before']}"
          f" -> {record['load_after']}", flush=True)
    return record


def summarise(runs: list[dict], methods: list[str]) -> dict[str, dict]:
    """Min and median seconds, rows/s and peak RSS per method; ratios against COPY's rows/s."""
    out = {}
    for method in methods:
        mine = [r for r in runs if r["method"] == method]
        rows = mine[0]["rows"]
        out[method] = {"runs": len(mine), "rows": rows, "min_s": min(r["seconds"] for r in mine),
                       "median_s": round(statistics.median(r["seconds"] for r in mine), 3),
                       "max_peak_rss_mib": max(r["peak_rss_mib"] for r in mine),
                       "max_rss_above_rows_mib": round(max(r["peak_rss_mib"] - r["rss_before_mib"] for r in mine), 1)}
        out[method]["best_rows_per_s"] = round(rows / out[method]["min_s"])
        out[method]["median_rows_per_s"] = round(rows / out[method]["median_s"])
    for stats in out.values():
        stats["median_vs_copy"] = round(stats["median_rows_per_s"] / out["copy"]["median_rows_per_s"], 3)
        stats["best_vs_copy"] = round(stats["best_rows_per_s"] / out["copy"]["best_rows_per_s"], 3)
    return out


def machine(admin_url: str) -> dict[str, object]:
    import psycopg

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    with psycopg.connect(admin_url) as conn:
        server = conn.execute("select version()").fetchone()[0]
    return {"node": platform.node(), "cpu": model, "cpus": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": sys.version.split()[0], "psycopg": f"{psycopg.__version__} ({psycopg.pq.__impl__})",
            "postgresql": server, "database_url": admin_url}


def print_table(summary: dict[str, dict]) -> None:
    print(f"\n{'method':>10} {'best rows/s':>12} {'median rows/s':>14} {'median/COPY':>12} {'peak RSS MiB':>13}"
          f" {'RSS above rows':>15}")
    for method, s in summary.items():
        print(f"{method:>10} {s['best_rows_per_s']:>12,} {s['median_rows_per_s']:>14,} {s['median_vs_copy']:>12.2f}"
              f" {s['max_peak_rss_mib']:>13} {s['max_rss_above_rows_mib']:>15}")


def base_checkout(commit: str) -> Path:
    """The base commit's files, unpacked beside this checkout (``git archive``: no worktree to clean up)."""
    folder = Path(tempfile.mkdtemp(prefix=".chiso-bench-loader-base-", dir=ROOT.parent))
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "chiso", "extract", "simulator", "seeds"],
                             cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def summary(report: dict) -> dict[str, object]:
    """One row of the README's results table (benchmarks/report.py)."""
    methods = report["summary"]
    head, copy = methods["head"], methods.get("copy")
    parts = [f"{name} {m['median_rows_per_s'] / 1000:.0f} k rows/s ({m['median_vs_copy']}×)"
             for name, m in methods.items()]
    return {
        "compared": f"{report['rows']:,} TTHC rows, {report['repeats']} interleaved repeat(s): HEAD's loader, the base"
                    f" {report['base_commit'][:7]}, psycopg COPY, COPY of a file, pandas to_sql (medians)",
        "result": "; ".join(parts) + f"; HEAD peak RSS {head['max_peak_rss_mib']} MiB"
                  + ("" if copy else " (no COPY run)"),
        "target": report["target"],
        "meets_target": bool(report["meets_target"]),
        "load": f"{report['load_before'][0]} → {report['load_after'][0]} (1 min)",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base commit (default {DEFAULT_BASE})")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated, of {', '.join(METHODS)}")
    parser.add_argument("--memory-rows", type=int, default=2_000_000, help="above this, rows stream from the file")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--in-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.database_url, args.folder, args.in_memory)))
        return 0

    in_memory = args.rows <= args.memory_rows
    methods = [m for m in args.methods.split(",") if in_memory or m != "pandas"]
    if "copy" not in methods:
        raise SystemExit("bench_loader: the ratios need the copy method")
    folder = Path(tempfile.mkdtemp(prefix="chiso-bench-loader-"))
    base_root = base_checkout(args.base)
    try:
        started = time.monotonic()
        meta = write_rows(args.rows, folder)
        (folder / "meta.json").write_text(json.dumps(meta))
        print(f"{args.rows:,} rows ({meta['period'][0]}..{meta['period'][1]}) written in"
              f" {time.monotonic() - started:.1f} s", flush=True)
        load_start = load_average()
        runs = [run_once(m, args.database_url, folder, base_root, in_memory, n)
                for n in range(args.repeats) for m in methods]  # interleaved: head base copy ... head base copy ...
        summary = summarise(runs, methods)
        head = summary.get("head", {}).get("median_vs_copy")
        report = {"benchmark": __doc__.splitlines()[0], "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                  "machine": machine(args.database_url),
                  "base_commit": git("rev-parse", args.base),
                  "rows": args.rows, "period": meta["period"], "repeats": args.repeats,
                  "rows_from": "memory (a list, loaded before the clock)" if in_memory else "the file (streamed)",
                  "load_before": load_start, "load_after": load_average(), "summary": summary,
                  "target": f"head median rows/s >= {TARGET} x copy's", "meets_target": head is not None
                  and head >= TARGET, "runs": runs}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print_table(summary)
        print(f"load {report['load_before']} -> {report['load_after']}; written {args.output}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(base_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
