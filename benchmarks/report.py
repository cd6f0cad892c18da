"""Write the results table of ``benchmarks/README.md`` from ``benchmarks/results/*.json``.

Each benchmark script ``bench_<name>.py`` writes ``results/<name>.json`` and has a ``summary(report)`` function
that says, from that file alone, what was compared, the measured result, the target and the load it ran under (one
row, or a list of rows when the file holds several cases); this script calls each and rewrites the part of the
README between the two markers. ``make bench`` runs it last.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
BEGIN, END = "<!-- make bench: results (benchmarks/report.py) -->", "<!-- /make bench -->"


def _module(stem: str) -> ModuleType:
    """The script that wrote ``results/<stem>.json``: ``bench_<stem>.py``, or for a variant such as
    ``loader_10m.json`` (a run with other options) the script its name starts with."""
    name = stem
    while not (HERE / f"bench_{name}.py").exists() and "_" in name:
        name = name.rsplit("_", 1)[0]
    path = HERE / f"bench_{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def rows() -> list[str]:
    lines = ["| benchmark | compared (one run) | result | target | met | load average |", "|---|---|---|---|---|---|"]
    for path in sorted((HERE / "results").glob("*.json")):
        module = _module(path.stem)
        if not hasattr(module, "summary"):
            raise SystemExit(f"benchmarks/{module.__name__}.py has no summary(report): add one for {path.name}")
        found = module.summary(json.loads(path.read_text(encoding="utf-8")))
        for s in found if isinstance(found, list) else [found]:  # one row, or one per case the file holds
            met = {True: "yes", False: "**no**", None: "–"}[s.get("meets_target")]
            lines.append(f"| `{module.__name__}.py` → `{path.name}` | {_cell(s['compared'])} |"
                         f" {_cell(s['result'])} | {_cell(s['target'])} | {met} |"
                         f" {_cell(s.get('load') or 'not recorded')} |")
    return lines


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{README} lacks the markers {BEGIN} … {END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n" + "\n".join(rows()) + f"\n{END}{tail}", encoding="utf-8")
    print("\n".join(rows()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
