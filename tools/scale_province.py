"""Rewrite a throwaway checkout's agency seeds in place so the province has N times the agencies (the scale case).

Each agency version gets N-1 synthetic copies: the code, the official code and the pre-merger units' codes take a
suffix (``ld_xa_22918`` -> ``ld_xa_22918_x02``), the names say "bản sao 02 / copy 02", the parent is the copy of
the parent, ``source`` says "synthetic scale copy 02 of <code>" and a ``copy_of`` column (added to the agencies
seed) names the original, so a reader tells a copy from a real unit. The simulator serves each copy its
original's rows, so every per-agency feed has N times the rows per day and N times the province's volumes (the
published-figure reconciliation then disagrees, as a national deployment's sum of provinces would).

Usage: ``python -m tools.scale_province N --root DIR``. The seeds are committed data, so the tool refuses the
project's main checkout (the folder that holds the ``.git`` directory): run it on a ``git worktree`` or a copy.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

from tools.seeds.seedfile import render

AGENCIES = Path("seeds") / "agencies.csv"
PREDECESSORS = Path("seeds") / "agency_predecessors.csv"
#: ``source`` of every synthetic copy starts with this, which is also how a second run is refused
SYNTHETIC = "synthetic scale copy"
#: the agencies seed's column naming the agency a synthetic copy copies (empty for the real ones)
COPY_OF = "copy_of"


def suffix(copy: int) -> str:
    """The code suffix of copy number ``copy`` (2, 3, ...): ``_x02``."""
    return f"_x{copy:02d}"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _suffixed(value: str, copy: int) -> str:
    return f"{value}{suffix(copy)}" if value else value


def copy_agency(row: dict[str, str], copy: int) -> dict[str, str]:
    """Copy ``copy`` of one agency version: new codes and names, the same type, level and validity."""
    label_vi, label_en = f"bản sao {copy:02d}", f"copy {copy:02d}"
    return {
        **row,
        "agency_code": _suffixed(row["agency_code"], copy),
        "official_code": _suffixed(row["official_code"], copy),
        "name_vi": f"{row['name_vi']} ({label_vi})",
        "name_en": f"{row['name_en']} ({label_en})" if row["name_en"] else row["name_en"],
        "parent_code": _suffixed(row["parent_code"], copy),
        "source": f"{SYNTHETIC} {copy:02d} of {row['agency_code']}",
        COPY_OF: row["agency_code"],
    }


def copy_predecessor(row: dict[str, str], copy: int) -> dict[str, str]:
    """Copy ``copy`` of one pre-merger unit of a commune: a pre-merger unit of the commune's copy."""
    return {
        **row,
        "agency_code": _suffixed(row["agency_code"], copy),
        "predecessor_code": _suffixed(row["predecessor_code"], copy),
        "predecessor_name_vi": f"{row['predecessor_name_vi']} (bản sao {copy:02d})",
        "source": f"{SYNTHETIC} {copy:02d} of {row['agency_code']}/{row['predecessor_code']}",
    }


def scaled(rows: Sequence[dict[str, str]], times: int, copy_row) -> list[dict[str, str]]:
    """The original rows, then each row's copies 2..``times``, in the order of the originals."""
    return list(rows) + [copy_row(row, copy) for copy in range(2, times + 1) for row in rows]


def check_root(root: Path) -> Path:
    """The checkout to rewrite, or an exit saying why not (the main checkout, no seeds, seeds already scaled)."""
    root = root.resolve()
    if (root / ".git").is_dir():
        raise SystemExit(f"{root}: the project's main checkout (it holds the .git directory); scale a throwaway"
                         f" copy instead: git worktree add /tmp/scale HEAD && python -m tools.scale_province N"
                         f" --root /tmp/scale")
    for seed in (AGENCIES, PREDECESSORS):
        if not (root / seed).is_file():
            raise SystemExit(f"{root}: no {seed}; --root must be a chiso checkout")
    _, agencies = _read(root / AGENCIES)
    if any(row["source"].startswith(SYNTHETIC) or row.get(COPY_OF) for row in agencies):
        raise SystemExit(f"{root / AGENCIES}: already holds synthetic scale copies; scale a fresh checkout")
    return root


def scale_province(root: Path, times: int) -> tuple[int, int]:
    """Rewrite ``root``'s agency seeds with ``times`` copies of every agency; (agency rows, predecessor rows)."""
    if not 1 <= times <= 99:
        raise ValueError(f"times={times}: expected 1..99 copies of the province")
    root = check_root(root)
    counts = []
    for seed, copy_row in ((AGENCIES, copy_agency), (PREDECESSORS, copy_predecessor)):
        columns, rows = _read(root / seed)
        out = scaled(rows, times, copy_row)
        if seed == AGENCIES and times > 1:
            columns = [*columns, COPY_OF]
            out = [{COPY_OF: "", **row} for row in out]
        (root / seed).write_text(render(out, columns), encoding="utf-8")
        counts.append(len(out))
    return counts[0], counts[1]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.scale_province", description=__doc__.split("\n")[0])
    parser.add_argument("times", type=int, help="copies of the province, the original included (10: ten times)")
    parser.add_argument("--root", type=Path, required=True,
                        help="the throwaway checkout (a git worktree or a copy) whose seeds are rewritten")
    args = parser.parse_args(argv)
    agencies, predecessors = scale_province(args.root, args.times)
    print(f"{args.root / AGENCIES}: {agencies} agency versions; {args.root / PREDECESSORS}: {predecessors} rows")


if __name__ == "__main__":
    main()
