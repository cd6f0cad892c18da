"""Run dbt against the warehouse in-process (dbtRunner), with the connection passed by environment."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

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


def _run_dbt(args: list[str], url: str) -> DbtSummary:
    from dbt.cli.main import dbtRunner  # heavy import

    export_to_process(dbt_env(url))  # dbt runs in this process and reads its profile from the environment
    project_dir: Path = settings().dbt_project_dir
    full_args = [*args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
                 "--target-path", str(dbt_target_dir()), "--log-path", str(settings().state_dir / "logs")]
    log.info("dbt %s", " ".join(args))
    result = dbtRunner().invoke(full_args)
    summary = _summarise(args[0], result)
    if result.exception is not None:
        raise DbtError(f"dbt {' '.join(args)} crashed: {result.exception}") from result.exception
    if not result.success:
        raise DbtError(f"dbt {' '.join(args)} failed: {', '.join(summary.failed) or 'see the dbt log'}")
    return summary


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
