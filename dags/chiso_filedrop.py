"""File drop: load the annex files (Phụ lục V, VNeID, chữ ký số) that data owners drop into the inbox.

### Tiếng Việt
**Làm gì:** chờ tệp phụ lục (XLSX, CSV) đơn vị đặt vào thư mục inbox, kiểm tra và nạp từng tệp (tệp sửa lại thay tệp
cũ), dựng lại kho và xuất bản lại. Tệp lỗi được chuyển vào `inbox/quarantine/` kèm báo cáo lỗi (`.errors.json`) nêu
trang, dòng, cột.
**Khi nào:** mỗi 15 phút; không có tệp mới thì bỏ qua.
**Khi lỗi:** mở báo cáo lỗi bên cạnh tệp trong quarantine, sửa tệp theo hướng dẫn và đặt lại vào inbox; số liệu
đã nạp trước đó không bị ảnh hưởng. `check_quality` lỗi khi tệp mới có số mâu thuẫn (quality.html).

### English
**What:** waits for the annex files (XLSX, CSV) data owners drop into the inbox, checks and loads each (a corrected
file supersedes the old one), rebuilds the warehouse and republishes. A file that fails its checks goes to
`inbox/quarantine/` with an error report (`.errors.json`) naming its sheet, row and column.
**When:** every 15 minutes; nothing new, nothing done.
**When it fails:** read the error report beside the quarantined file, correct the file and drop it again; what was
loaded before is untouched. `check_quality` fails when a new file brings contradicting figures (quality.html).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import PokeReturnValue, dag, task
from chiso_dag_support import DBT_POOL, EXPORTS, LOCAL_TZ, MARTS, default_args, quality_check_task, raw_asset

ANNEX = raw_asset("annex")


@dag(
    dag_id="chiso_filedrop",
    description="Nạp phụ lục do đơn vị gửi vào thư mục inbox / load annex files dropped into the inbox",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2025, 7, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    tags=["chiso", "filedrop"],
    default_args=default_args(retry_delay=timedelta(minutes=2)),
    doc_md=__doc__,
)
def chiso_filedrop():
    @task.sensor(poke_interval=60, timeout=13 * 60, mode="reschedule", soft_fail=True)
    def wait_for_files() -> PokeReturnValue:
        """Chờ tệp mới trong inbox / Wait for new files in the inbox."""
        from chiso.annex import pending_annex_files

        files = pending_annex_files()
        return PokeReturnValue(is_done=bool(files), xcom_value=files)

    @task(outlets=[ANNEX])
    def load_files(files: list[str]) -> list[dict[str, object]]:
        """Kiểm tra và nạp từng tệp phụ lục / Check and load each annex file."""
        from chiso.annex import load_annex_inbox

        return [{"file": o.file, "status": o.status, "rows": o.rows, "errors": len(o.errors)}
                for o in load_annex_inbox()]

    @task(retries=0, outlets=[MARTS], pool=DBT_POOL)
    def build_warehouse(outcomes: list[dict[str, object]]) -> str:
        """Chạy dbt build / dbt build (models and tests)."""
        from chiso.warehouse import build_warehouse

        return build_warehouse().line()

    @task(outlets=[EXPORTS])
    def publish_exports() -> list[dict[str, object]]:
        """Xuất dữ liệu mở: tệp, siêu dữ liệu, trang web / Write the open-data files, metadata and site."""
        from chiso.publishing import publish_exports

        return [{"dataset": f.dataset, "path": f.path, "rows": f.rows} for f in publish_exports()]

    built = build_warehouse(load_files(wait_for_files()))
    built >> publish_exports()
    built >> quality_check_task()()  # a new error in a dropped file fails this task; the exports still publish


chiso_filedrop()
