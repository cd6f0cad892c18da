"""File drop: load the annex files (Phụ lục V, VNeID, chữ ký số) that data owners drop into the inbox."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, PokeReturnValue, dag, task

from chiso.orchestration import EXPORTS_ASSET_URI, LOCAL_TZ, MARTS_ASSET_URI, notify_failure, raw_asset_uri, task_retries

ANNEX = Asset(name="chiso_raw_annex", uri=raw_asset_uri("annex"))
MARTS = Asset(name="chiso_marts", uri=MARTS_ASSET_URI)
EXPORTS = Asset(name="chiso_open_data_exports", uri=EXPORTS_ASSET_URI)


@dag(
    dag_id="chiso_filedrop",
    description="Nạp phụ lục do đơn vị gửi vào thư mục inbox / load annex files dropped into the inbox",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2025, 7, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    tags=["chiso", "filedrop"],
    default_args={
        "owner": "chiso-data",
        "retries": task_retries(),
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "on_failure_callback": notify_failure,
    },
    doc_md=__doc__,
)
def chiso_filedrop():
    @task.sensor(poke_interval=60, timeout=13 * 60, mode="reschedule", soft_fail=True)
    def wait_for_files() -> PokeReturnValue:
        from chiso.pipeline import pending_annex_files

        files = pending_annex_files()
        return PokeReturnValue(is_done=bool(files), xcom_value=files)

    @task(outlets=[ANNEX])
    def load_files(files: list[str]) -> list[dict[str, object]]:
        from chiso.pipeline import load_annex_inbox

        return [{"file": o.file, "status": o.status, "rows": o.rows, "errors": len(o.errors)}
                for o in load_annex_inbox()]

    @task(retries=0, outlets=[MARTS])
    def build_warehouse(outcomes: list[dict[str, object]]) -> str:
        from chiso.pipeline import build_warehouse

        return build_warehouse().line()

    @task(outlets=[EXPORTS])
    def publish_exports() -> list[dict[str, object]]:
        from chiso.pipeline import publish_exports

        return [{"dataset": f.dataset, "path": f.path, "rows": f.rows} for f in publish_exports()]

    build_warehouse(load_files(wait_for_files())) >> publish_exports()


chiso_filedrop()
