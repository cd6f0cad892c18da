"""XLSX rendering, openpyxl (the writer before XlsxWriter) against XlsxWriter, for 1 month to 3 years of rows.

Run: .venv/bin/python benchmarks/bench_publish.py [--repeats N] [--baseline COMMIT]
Writes benchmarks/results/publish.json. The old writer is ``publish/xlsx.py`` as it was at ``--baseline``, taken
with ``git show`` into a temporary module, so both run in this one process on the same rows, interleaved (old,
new, old, new, …) so that a change in the machine's load hits both alike. The rows are synthetic but shaped like
the TTHC dossier mart (a month, agency codes such as ld_xa_…, Vietnamese names, counts, rates, a flag column),
through the real :class:`publish.catalogue.Dataset`; CSV and JSON are timed beside them for scale.

Target (the issue): publishing 3 years of history takes at most 1.5× what 1 month takes. Reported here as the
rendering of one dataset's three files (XLSX + CSV + JSON, medians) for 3 years over 1 month, each writer: a
stricter reading than the issue's, since a whole publish adds costs that do not grow with the rows (reading the
marts' catalogue, the site, DCAT), and 36 times the rows cannot render in 1.5 times the time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publish.catalogue import Agency, Dataset, Field  # noqa: E402 (after the path above, run as a script)
from publish.dbt_docs import Bilingual  # noqa: E402
from publish.writers import render_csv, render_json  # noqa: E402
from publish.xlsx import render_xlsx  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "publish.json"
AGENCIES = 150  # rows per month: about the province's agencies and communes with TTHC dossiers
SIZES = {"1 month": 1, "1 year": 12, "3 years": 36}
TARGET_RATIO = 1.5
SEED = 20260301


def _field(name: str, pg_type: str, kind: str, table_type: str, label: str) -> Field:
    return Field(name=name, pg_type=pg_type, kind=kind, table_type=table_type, title=Bilingual(label, name),
                 description=Bilingual(f"{label}. Mô tả dài hơn của cột.", f"{name}. A longer description."),
                 unit=None, unit_code=None, required=False)


FIELDS = (
    _field("month_start", "date", "period", "date", "Tháng"),
    _field("agency_code", "text", "label", "string", "Mã cơ quan"),
    _field("agency_name_vi", "text", "label", "string", "Tên cơ quan giải quyết thủ tục hành chính"),
    *(_field(f"{what}_count", "bigint", "count", "integer", f"Số hồ sơ {what}")
      for what in ("received", "received_online", "resolved", "resolved_on_time", "overdue", "pending")),
    _field("online_rate_pct", "numeric", "rate", "number", "Tỷ lệ hồ sơ trực tuyến (%)"),
    _field("on_time_rate_pct", "numeric", "rate", "number", "Tỷ lệ giải quyết đúng hạn (%)"),
    _field("is_synthetic", "boolean", "flag", "boolean", "Dữ liệu mô phỏng"),
    _field("suppressed_columns", "text", "label", "string", "Cột để trống để bảo vệ dữ liệu cá nhân"),
)


def dataset(months: int) -> Dataset:
    """A dataset record like the TTHC mart's, covering ``months`` months from January 2024."""
    office = Agency("ld_ubnd", Bilingual("Văn phòng Ủy ban nhân dân tỉnh", "Office of the Provincial People's"
                                         " Committee"))
    text = Bilingual("Hồ sơ thủ tục hành chính theo cơ quan và tháng", "Administrative dossiers by agency and month")
    return Dataset(code="bench_tthc", schema="marts", source_model="mart_tthc", title=text, description=text,
                   summary=text, source=text, topic=text, keywords=("tthc", "hồ sơ"), publisher=office,
                   creator=office, contributor=office, license_id="CC-BY-4.0", update_frequency="monthly",
                   temporal_column="month_start", temporal_start=date(2024, 1, 1),
                   temporal_end=_month(months - 1), spatial="Lâm Đồng", grain=text, is_synthetic=True,
                   row_count=months * AGENCIES, unique_key=("month_start", "agency_code"), identities=(),
                   fields=FIELDS)


def _month(offset: int) -> date:
    return date(2024 + offset // 12, offset % 12 + 1, 1)


def rows(months: int) -> list[tuple]:
    """``AGENCIES`` rows a month, seeded; one row in ten has small counts suppressed, as the exporter does."""
    rng = random.Random(SEED)
    out = []
    for offset in range(months):
        for n in range(AGENCIES):
            counts = [rng.randint(0, 5000) for _ in range(6)]
            hidden = rng.random() < 0.1
            shown = [None if hidden and i in (3, 4) else c for i, c in enumerate(counts)]
            out.append((_month(offset), f"ld_xa_{22000 + n}", f"Ủy ban nhân dân xã số {n} Lâm Đồng", *shown,
                        Decimal(rng.randint(0, 10000)) / 100, Decimal(rng.randint(0, 10000)) / 100, True,
                        "resolved_on_time_count;overdue_count" if hidden else ""))
    return out


def baseline_writer(commit: str) -> ModuleType:
    """``publish/xlsx.py`` as it was at ``commit``, imported from a temporary file."""
    source = subprocess.run(["git", "show", f"{commit}:publish/xlsx.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="bench-publish-")) / "xlsx_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("xlsx_baseline", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seconds(render: Callable[[], bytes]) -> tuple[float, int]:
    t0 = time.perf_counter()
    size = len(render())
    return time.perf_counter() - t0, size


def measure(ds: Dataset, data: Sequence[tuple], writers: dict[str, Callable], repeats: int) -> dict[str, dict]:
    """Each writer ``repeats`` times, interleaved: min and median seconds and the file's size."""
    names = [f.name for f in ds.fields]
    runs = {**{f"xlsx_{w}": (lambda r=r: r(ds, data, 0)) for w, r in writers.items()},
            "csv": lambda: render_csv(names, data), "json": lambda: render_json(names, data)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    sizes: dict[str, int] = {}
    for _ in range(repeats):
        for name, run in runs.items():
            seconds, sizes[name] = _seconds(run)
            times[name].append(seconds)
    return {name: {"min_s": round(min(t), 4), "median_s": round(statistics.median(t), 4), "bytes": sizes[name]}
            for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", default="b5e1f64", help="the commit whose openpyxl writer is the baseline")
    args = parser.parse_args()
    writers = {"openpyxl": baseline_writer(args.baseline).render_xlsx, "xlsxwriter": render_xlsx}
    load_before = os.getloadavg()
    sizes = {}
    for label, months in SIZES.items():
        ds, data = dataset(months), rows(months)
        sizes[label] = {"months": months, "rows": len(data), **measure(ds, data, writers, args.repeats)}
        xlsx = sizes[label]
        xlsx["speedup"] = round(xlsx["xlsx_openpyxl"]["median_s"] / xlsx["xlsx_xlsxwriter"]["median_s"], 1)
        print(label, json.dumps(sizes[label]), flush=True)
    report = {"baseline_commit": args.baseline, "repeats": args.repeats, "python": platform.python_version(),
              "machine": platform.machine(), "cpus": os.cpu_count(),
              "load_average_before": [round(x, 2) for x in load_before],
              "load_average_after": [round(x, 2) for x in os.getloadavg()], "sizes": sizes}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(summary(report), ensure_ascii=False, indent=1))


def _publish_s(size: dict, writer: str) -> float:
    """One dataset's three files, medians: the XLSX with ``writer``, the CSV and the JSON."""
    return size[f"xlsx_{writer}"]["median_s"] + size["csv"]["median_s"] + size["json"]["median_s"]


def summary(report: dict) -> dict:
    """What benchmarks/report.py puts in the README's table, from publish.json alone."""
    sizes = report["sizes"]
    small, large = sizes["1 month"], sizes["3 years"]
    growth = {w: _publish_s(large, w) / _publish_s(small, w) for w in ("openpyxl", "xlsxwriter")}
    per_size = "; ".join(f"{label} ({s['rows']} rows): {s['xlsx_openpyxl']['median_s']:.3f} s →"
                         f" {s['xlsx_xlsxwriter']['median_s']:.3f} s ({s['speedup']}×)" for label, s in sizes.items())
    load = report["load_average_before"], report["load_average_after"]
    return {
        "compared": f"render_xlsx, openpyxl (commit {report['baseline_commit']}) vs XlsxWriter constant_memory,"
                    f" medians of {report['repeats']} interleaved runs, {report['cpus']} CPUs",
        "result": f"{per_size}; publishing (XLSX + CSV + JSON) 3 years / 1 month: openpyxl"
                  f" {growth['openpyxl']:.1f}×, XlsxWriter {growth['xlsxwriter']:.1f}×",
        "target": f"publish ≤ {TARGET_RATIO}× from 1 month to 3 years of history",
        "meets_target": growth["xlsxwriter"] <= TARGET_RATIO,
        "load": f"{' '.join(map(str, load[0]))} before, {' '.join(map(str, load[1]))} after (1, 5, 15 min)",
    }


if __name__ == "__main__":
    main()
