"""What the DAG files share (Airflow-only): the local timezone, assets, task defaults, the nightly window, the
failure hook and the quality task.

It lies beside the DAG files because Airflow puts the DAGs folder on ``sys.path`` (``import chiso_dag_support``);
``.airflowignore`` keeps the DAG processor from parsing it as a DAG file.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import date, datetime, timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset

from chiso.airflow_env import DBT_POOL  # noqa: F401  (the DAG files take the one-slot pool from here)
from chiso.config import TIMEZONE, settings

log = logging.getLogger(__name__)

LOCAL_TZ = pendulum.timezone(TIMEZONE)
#: A manual run may cover at most this many days (a longer backfill is split into runs).
MAX_WINDOW_DAYS = 366


def task_retries() -> int:
    """Retries for retryable tasks (extract, publish): ``CHISO_TASK_RETRIES``; 0 makes local runs fail fast."""
    return settings().retries


def raw_asset_uri(source: str) -> str:
    return f"postgres://chiso-warehouse/chiso/raw/{source}"

MARTS_ASSET_URI = "postgres://chiso-warehouse/chiso/marts/all"
EXPORTS_ASSET_URI = "file:///chiso/exports/open-data"

#: What the DAGs produce and consume: every DAG names an asset through these, so producers and consumers match.
MARTS = Asset(name="chiso_marts", uri=MARTS_ASSET_URI)
EXPORTS = Asset(name="chiso_open_data_exports", uri=EXPORTS_ASSET_URI)


def raw_asset(source: str) -> Asset:
    """The asset of one source's raw table (``annex`` for the dropped annex files)."""
    return Asset(name=f"chiso_raw_{source}", uri=raw_asset_uri(source))


def default_args(retry_delay: timedelta) -> dict[str, Any]:
    """Every chiso DAG's task defaults: owner, retries with exponential backoff, the failure hook."""
    return {
        "owner": "chiso-data",
        "retries": task_retries(),
        "retry_delay": retry_delay,
        "retry_exponential_backoff": True,
        "on_failure_callback": notify_failure,
    }


def _parse_day(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"parameter '{name}' must be a date YYYY-MM-DD, got {value!r}") from None


def nightly_window(logical_date: datetime | None, date_from: Any = None, date_to: Any = None) -> tuple[date, date]:
    """The days a run extracts: ``from``..``to`` when given, else the local day before the run."""
    if date_from is None and date_to is None:
        if logical_date is None:
            raise ValueError("a run needs either a logical date or the 'from'/'to' parameters")
        day = pendulum.instance(logical_date).in_timezone(LOCAL_TZ).date() - timedelta(days=1)
        return day, day
    if date_from is None or date_to is None:
        raise ValueError("give both 'from' and 'to', or neither")
    start, end = _parse_day(date_from, "from"), _parse_day(date_to, "to")
    if end < start:
        raise ValueError(f"'to' ({end}) is before 'from' ({start})")
    if (end - start).days >= MAX_WINDOW_DAYS:
        raise ValueError(f"'from'..'to' spans {(end - start).days + 1} days; at most {MAX_WINDOW_DAYS} per run")
    return start, end


def notify_failure(context: dict[str, Any]) -> None:
    """on_failure_callback: log the failed task and, if CHISO_ALERT_WEBHOOK is set, POST a JSON alert."""
    ti = context.get("task_instance") or context.get("ti")
    message = {
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": getattr(ti, "run_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": str(context.get("exception") or "")[:2000],
    }
    log.error("chiso task failed: %s", message)
    webhook = settings().alert_webhook
    if webhook:
        req = urllib.request.Request(webhook, data=json.dumps(message).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=10).close()
        except OSError:
            log.exception("could not deliver the failure alert to CHISO_ALERT_WEBHOOK")


def quality_check_task():
    """The quality task the DAGs share (``check_quality``, no retry): the findings summary of the build it follows,
    or a failed task naming the new errors in correctable figures. Set it beside the exports, never before them."""
    from airflow.sdk import task

    @task(task_id="check_quality", retries=0)
    def check_quality() -> str:
        """Phát hiện chất lượng mới mức lỗi thì báo lỗi / Fail on new error findings of this build (quality.html)."""
        from airflow.sdk.exceptions import AirflowFailException

        from chiso.quality import QualityError, check_quality as gate

        try:
            return gate().line()
        except QualityError as exc:
            raise AirflowFailException(str(exc)) from None

    return check_quality
