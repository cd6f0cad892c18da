"""What the side-by-side benchmarks share: git, the load average, and a base commit checked out beside this
repository (where ``../shared`` resolves, as the project expects) with a clean environment for its ``make install``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: variables of this shell that must not leak into the other side (its own state, database and venv)
SCRUBBED = ("CHISO_DATABASE_URL", "CHISO_ADMIN_DATABASE_URL", "CHISO_SOURCE_URL", "CHISO_STATE_DIR",
            "CHISO_INBOX_DIR", "CHISO_EXPORT_DIR", "VIRTUAL_ENV", "PYTHONPATH", "AIRFLOW_HOME")


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SCRUBBED}


def add_worktree(commit: str, folder: Path) -> str:
    """``commit`` checked out (detached) in ``folder``; returns its full hash."""
    git("worktree", "add", "--detach", str(folder), commit)
    return git("rev-parse", commit)


def make_install(folder: Path, label: str) -> None:
    """``make install`` in ``folder`` with a clean environment; stops the benchmark naming ``label`` if it fails."""
    done = subprocess.run(["make", "install"], cwd=folder, env=clean_environ(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"make install failed for {label}:\n{done.stderr[-3000:]}")


def remove_worktrees(folders: Iterable[Path | str]) -> None:
    for folder in folders:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True)
    git("worktree", "prune")
