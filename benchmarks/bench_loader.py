"""Raw loader throughput and memory: loading 10x more rows must not need 10x more memory (streaming COPY).

Run: .venv/bin/python benchmarks/bench_loader.py [--database-url URL]
Writes benchmarks/results/loader.json. Both sizes run in this one process, against the same server, so
the ratios compare like with like; absolute numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc
import uuid
from datetime import date, timedelta

from chiso.config import PROJECT_ROOT
from chiso.database import connect, create_database, drop_database, to_url
from extract.loader import load_batch
from extract.sources.base import SourceSpec
from extract.sources.tthc import TTHC_DOSSIER_DAILY
from simulator import tthc
from simulator.feeds import load_agencies

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "loader.json"


def range_spec(days: int) -> SourceSpec:
    """The TTHC feed as one batch over many days (the nightly path loads one day per batch)."""
    return SourceSpec(name="bench", entity=f"tthc_{days}_days", path="/", description="benchmark",
                      columns=TTHC_DOSSIER_DAILY.columns)


def rows_for(days: int, agencies):
    start = date(2025, 7, 1)
    for n in range(days):
        yield from tthc.generate_day(1, start + timedelta(n), agencies)


def measure(url: str, days: int, agencies) -> dict[str, float]:
    start, end = date(2025, 7, 1), date(2025, 7, 1) + timedelta(days - 1)
    tracemalloc.start()
    t0 = time.perf_counter()
    with connect(url) as conn:
        result = load_batch(conn, range_spec(days), start, end, rows_for(days, agencies), source_url=None,
                            is_synthetic=True)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"days": days, "rows": result.row_count, "seconds": round(seconds, 3),
            "rows_per_s": round(result.row_count / seconds), "peak_python_mib": round(peak / 2**20, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    agencies = tuple(a for a in load_agencies(PROJECT_ROOT / "seeds" / "agencies.csv") if tthc.FEED.serves(a))
    dbname = f"chiso_bench_{uuid.uuid4().hex[:8]}"
    create_database(args.database_url, dbname)
    try:
        url = to_url(args.database_url, dbname=dbname)
        measure(url, 3, agencies)  # warm-up: imports, table creation, plan caches
        small, large = measure(url, 27, agencies), measure(url, 270, agencies)
    finally:
        drop_database(args.database_url, dbname)
    report = {
        "benchmark": "raw loader, one batch, streaming COPY from a row generator",
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
        "small": small,
        "large": large,
        "rows_ratio": round(large["rows"] / small["rows"], 2),
        "memory_ratio": round(large["peak_python_mib"] / small["peak_python_mib"], 2),
        "throughput_ratio": round(large["rows_per_s"] / small["rows_per_s"], 2),
        "target": "memory_ratio < 2 while rows_ratio = 10 (memory does not grow with the feed)",
    }
    report["meets_target"] = report["memory_ratio"] < 2
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
