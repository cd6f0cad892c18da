"""Regenerate published_figures.csv and targets.csv from ../shared/reference/indicator_observations.csv.

Standalone script (nothing imports it): python seeds/build_reference_seeds.py [--reference DIR] [--check]
Keeps Lâm Đồng only; every row keeps its document reference (file:line) and a short quote cut from that
line of the source document around the printed value.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_REFERENCE = HERE.parent.parent / "shared" / "reference"

FIGURE_COLUMNS = ["figure_id", "indicator_code", "value", "value_raw", "comparator", "unit", "scope_level",
                  "agency_name", "dimension", "period_type", "period_start", "period_end", "period_label_vi",
                  "source_ref", "quote", "note"]
TARGET_COLUMNS = ["target_id", "plan", "indicator_code", "target_year", "comparator", "value", "unit",
                  "scope_level", "dimension", "source_ref", "quote", "note"]
PLANS = {"003": "08-KH/TU"}
LEVELS = {"all": "province_total", "province_level": "province", "commune_level": "commune",
          "central_level": "central"}


def _quote(doc_dir: Path, source_file: str, line: str, value_raw: str) -> str:
    first = int(re.split(r"[-–,]", line)[0])
    text = (doc_dir / source_file).read_text(encoding="utf-8").splitlines()[first - 1]
    text = re.sub(r"<[^>]+>|\$|\\geq|\\%", lambda m: {"\\geq": "≥", "\\%": "%"}.get(m.group(0), ""), text)
    text = re.sub(r"\s+", " ", text).strip()
    at = text.find(value_raw) if value_raw else -1
    if at < 0 or len(text) <= 160:
        return text[:160]
    start = max(0, at - 80)
    return ("…" if start else "") + text[start:start + 160] + ("…" if start + 160 < len(text) else "")


def _ref(row: dict[str, str]) -> str:
    return f"{row['source_file'][:3]}:{row['source_line']}"


def build(reference: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    doc_dir = reference.parent / "source-documents"
    with (reference / "indicator_observations.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["province"] == "Lâm Đồng"]
    figures, targets = [], []
    for r in rows:
        quote = _quote(doc_dir, r["source_file"], r["source_line"], r["value_raw"])
        if r["period_type"] == "target":
            targets.append({
                "target_id": r["obs_id"], "plan": PLANS.get(r["source_file"][:3], r["source_file"][:3]),
                "indicator_code": r["indicator_code"], "target_year": r["period_end"][:4],
                "comparator": r["comparator"] or "=", "value": r["value"], "unit": r["unit"],
                "scope_level": LEVELS[r["level"]], "dimension": r["dimension"], "source_ref": _ref(r),
                "quote": quote, "note": r["note"]})
        else:
            figures.append({
                "figure_id": r["obs_id"], "indicator_code": r["indicator_code"], "value": r["value"],
                "value_raw": r["value_raw"], "comparator": r["comparator"], "unit": r["unit"],
                "scope_level": LEVELS[r["level"]], "agency_name": r["agency"], "dimension": r["dimension"],
                "period_type": r["period_type"], "period_start": r["period_start"], "period_end": r["period_end"],
                "period_label_vi": r["period_label_vi"], "source_ref": _ref(r), "quote": quote, "note": r["note"]})
    return figures, targets


def _csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = parser.parse_args()
    figures, targets = build(args.reference)
    outputs = {HERE / "published_figures.csv": _csv(figures, FIGURE_COLUMNS),
               HERE / "targets.csv": _csv(targets, TARGET_COLUMNS)}
    for path, text in outputs.items():
        if args.check:
            if path.read_text(encoding="utf-8") != text:
                print(f"{path.name} is out of date", file=sys.stderr)
                return 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{path.name}: {text.count(chr(10)) - 1} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
