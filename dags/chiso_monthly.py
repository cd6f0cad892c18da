"""Monthly, and whenever data owners file an annex: rebuild the report-period marts (month, quarter, year to
date, since the merger: Phụ lục V, scorecard, reconciliation, open-data catalogue) and republish.

### Tiếng Việt
**Làm gì:** dựng lại các mart theo kỳ báo cáo (tháng, quý, n tháng đầu năm, lũy kế từ 01/7/2025): Phụ lục V, bảng
theo dõi chỉ tiêu 08-KH/TU, đối chiếu với số đã công bố, danh mục dữ liệu mở; rồi xuất bản lại.
**Khi nào:** 03:00 ngày 1 hằng tháng (sau khi đêm đã nạp ngày cuối tháng) và mỗi khi có phụ lục mới được nạp.
**Khi lỗi:** `build_report_marts` nêu mô hình và kiểm thử không đạt: sửa số liệu hoặc phụ lục (gửi lại tệp đã sửa)
rồi *Clear* task; `check_quality` lỗi khi có phát hiện mới mức lỗi (quality.html), dữ liệu mở vẫn xuất.

### English
**What:** rebuilds the report-period marts (month, quarter, year to date, since 1 July 2025): annex V, the 08-KH/TU
scorecard, the reconciliation with published figures, the open-data catalogue; then republishes.
**When:** 03:00 on the 1st of each month (after the night loaded the month's last day) and whenever an annex lands.
**When it fails:** `build_report_marts` names the failing model and test: correct the data or the annex (drop the
corrected file), then clear the task; `check_quality` fails on new error findings while the exports still publish.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task
from chiso_dag_support import DBT_POOL, EXPORTS, LOCAL_TZ, MARTS, default_args, quality_check_task, raw_asset

ANNEX = raw_asset("annex")


@dag(
    dag_id="chiso_monthly",
    description="Số liệu theo kỳ báo cáo (tháng, quý, n tháng đầu năm, lũy kế) / report-period marts",
    # 03:00 Asia/Ho_Chi_Minh on the 1st (after the night's load of the month's last day), and when an annex lands
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 3 1 * *", timezone=LOCAL_TZ), assets=[ANNEX]),
    start_date=pendulum.datetime(2025, 8, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    tags=["chiso", "monthly"],
    default_args=default_args(retry_delay=timedelta(minutes=10)),
    doc_md=__doc__,
)
def chiso_monthly():
    @task(retries=0, outlets=[MARTS], pool=DBT_POOL)
    def build_report_marts() -> str:
        """dbt build các mart theo kỳ báo cáo / dbt build of the report-period marts (tag:report_period)."""
        from chiso.warehouse import build_warehouse

        return build_warehouse(select="tag:report_period").line()

    @task(outlets=[EXPORTS])
    def publish_exports() -> list[dict[str, object]]:
        """Xuất dữ liệu mở: tệp, siêu dữ liệu, trang web / Write the open-data files, metadata and site."""
        from chiso.publishing import publish_exports

        return [{"dataset": f.dataset, "path": f.path, "rows": f.rows} for f in publish_exports()]

    built = build_report_marts()
    built >> publish_exports()
    built >> quality_check_task()()


chiso_monthly()
