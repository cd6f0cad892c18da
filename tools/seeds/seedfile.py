"""Where the seed generators read and write, and how ``--check`` names the first seed row that differs."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence
from itertools import zip_longest
from pathlib import Path

#: The repository root; every default path below is relative to it, so a generator runs from any folder.
REPOSITORY = Path(__file__).resolve().parents[2]
SEEDS = Path("seeds")
#: The reference folder shared beside the repository (``../shared/reference`` from the repository root).
REFERENCE = Path("..") / "shared" / "reference"


def repo_path(path: Path) -> Path:
    """``path`` as given when absolute or relative to the working folder and there, else relative to the repository."""
    return path if path.is_absolute() or path.exists() else REPOSITORY / path


def reference_dir(path: Path, needs: Sequence[str]) -> Path:
    """The reference folder, or an exit naming what is missing and how to point at another copy."""
    folder = repo_path(path)
    missing = [name for name in needs if not (folder / name).exists()]
    if missing:
        raise SystemExit(f"{path}: the reference folder lacks {', '.join(missing)} (looked in {folder}); the seed"
                         f" generators read ../shared/reference beside the repository, or pass --reference DIR")
    return folder


def render(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> str:
    """Rows as a seed file: UTF-8 CSV, header first, ``\\n`` line ends, quoted by Python's csv module."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def first_difference(name: str, committed: str, generated: str) -> str | None:
    """None when the texts are equal, else one line naming the first differing row (by its number and key)."""
    if committed == generated:
        return None
    old, new = list(csv.reader(io.StringIO(committed))), list(csv.reader(io.StringIO(generated)))
    if not old or not new or old[0] != new[0]:
        return f"{name}: the header differs: committed {old[0] if old else []}, generated {new[0] if new else []}"
    header = new[0]
    for number, (was, now) in enumerate(zip_longest(old[1:], new[1:]), start=1):
        if was == now:
            continue
        if was is None:
            return f"{name} row {number} ({header[0]}={now[0]}): generated, but missing from the committed seed"
        if now is None:
            return f"{name} row {number} ({header[0]}={was[0]}): committed, but no longer generated"
        changed = [f"{column}: committed {a!r}, generated {b!r}"
                   for column, a, b in zip_longest(header, was, now, fillvalue="") if a != b]
        return f"{name} row {number} ({header[0]}={was[0]}): " + "; ".join(changed)
    return f"{name}: the same rows, written differently (quoting or line ends); regenerate it"


def write_or_check(path: Path, text: str, check: bool) -> int:
    """Write the seed, or with ``check`` compare it and return 1 naming the first differing row (0 if equal)."""
    shown = _shown(path)
    if check:
        committed = path.read_text(encoding="utf-8") if path.exists() else None
        problem = (f"{shown}: missing; the generator would write it" if committed is None
                   else first_difference(shown, committed, text))
        print(problem or f"{shown}: up to date", file=sys.stderr)
        return 1 if problem else 0
    path.write_text(text, encoding="utf-8")
    print(f"{shown}: wrote {max(text.count(chr(10)) - 1, 0)} rows", file=sys.stderr)
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPOSITORY))
    except ValueError:
        return str(path)
