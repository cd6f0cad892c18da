"""Run dbt against the warehouse in-process (dbtRunner), with the connection passed by environment."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chiso.config import dbt_environment, export_to_process, settings
from chiso.database import database_url, exclusive, libpq_params
from chiso.roles import TRANSFORMER

log = logging.getLogger(__name__)


class DbtError(RuntimeError):
    """dbt finished with errors or failing tests; the message lists the failing nodes."""


@dataclass
class DbtSummary:
    command: str
    passed: dict[str, int] = field(default_factory=dict)  # resource type -> nodes that succeeded
    failed: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.passed.items()))
        return f"dbt {self.command}: {parts or 'nothing'} ok, {len(self.warned)} warnings, {len(self.failed)} failures"


def dbt_target_dir() -> Path:
    """dbt's artefacts (manifest, run results, the docs site) live in the state folder, not the repo."""
    return settings().state_dir / "dbt-target"


def dbt_env(url: str) -> dict[str, str]:
    """The CHISO_PG_* variables profiles.yml reads; dbt acts as the transformer role whoever logs in."""
    return dbt_environment(libpq_params(url), TRANSFORMER)


def run_dbt(args: list[str], *, url: str | None = None) -> DbtSummary:
    """Invoke ``dbt <args>`` on the chiso project; raise :class:`DbtError` if any node failed.

    One dbt run at a time per warehouse (the DAGs and the CLI alike): a second waits for the first to finish.
    """
    url = url or database_url()
    with exclusive("dbt build", settings().build_lock_wait_s, url):
        return _run_dbt(args, url)


def _common_args() -> list[str]:
    """Where dbt finds the project and its profile and writes its artefacts and log: the same for every command,
    so one night's commands (and the next night's) share ``partial_parse.msgpack``."""
    project_dir: Path = settings().dbt_project_dir
    return ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
            "--target-path", str(dbt_target_dir()), "--log-path", str(settings().state_dir / "logs")]


def _run_dbt(args: list[str], url: str) -> DbtSummary:
    from dbt.cli.main import dbtRunner  # heavy import

    export_to_process(dbt_env(url))  # dbt runs in this process and reads its profile from the environment
    log.info("dbt %s", " ".join(args))
    manifest = None if "--vars" in args else parsed_manifest(url)
    result = dbtRunner(manifest=manifest).invoke([*args, *_common_args()])
    summary = _summarise(args[0], result)
    if result.exception is not None:
        raise DbtError(f"dbt {' '.join(args)} crashed: {result.exception}") from result.exception
    if not result.success:
        raise DbtError(f"dbt {' '.join(args)} failed: {', '.join(summary.failed) or 'see the dbt log'}")
    return summary


#: The manifest this process parsed last and what it was parsed from (see :func:`parsed_manifest`).
_PARSED: dict[str, Any] = {}


def parsed_manifest(url: str) -> Any:
    """The parsed project, parsed once per process while its files and connection stay the same.

    A night's freshness check, build and docs run in one process (``airflow dags test``; a worker's task each in
    its own): each dbt command would load the project again (``partial_parse.msgpack``: a second or so each).
    """
    from dbt.cli.main import dbtRunner

    key = (tuple(sorted(dbt_env(url).items())), tuple(_common_args()), project_fingerprint())
    if _PARSED.get("key") != key:
        result = dbtRunner().invoke(["parse", *_common_args()])
        if not result.success:
            raise DbtError(f"dbt parse failed: {result.exception or 'see the dbt log'}")
        _PARSED.update(key=key, manifest=result.result)
    return _PARSED["manifest"]


def project_fingerprint() -> tuple[tuple[str, int, int], ...]:
    """Path, size and modification time of every file dbt parses (the project and the seeds): any edit changes it."""
    entries = []
    for root in (settings().dbt_project_dir, settings().seeds_dir):
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("target", "dbt_packages", "logs")]
            for name in files:
                stat = os.stat(os.path.join(folder, name))
                entries.append((os.path.join(folder, name), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))


def _summarise(command: str, result: object) -> DbtSummary:
    summary = DbtSummary(command)
    run_results = getattr(result, "result", None)
    for node_result in getattr(run_results, "results", None) or []:
        node = getattr(node_result, "node", None)
        kind = str(getattr(node, "resource_type", "node")).split(".")[-1].lower()
        status = str(node_result.status).split(".")[-1].lower()
        name = getattr(node, "unique_id", getattr(node_result, "unique_id", "?"))
        if status in ("success", "pass"):
            summary.passed[kind] = summary.passed.get(kind, 0) + 1
        elif status == "warn":
            summary.warned.append(name)
        elif status not in ("skipped", "no-op", "noop"):
            summary.failed.append(f"{name} ({status})")
    return summary
