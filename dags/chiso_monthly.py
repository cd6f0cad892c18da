"""Monthly, and whenever data owners file an annex: rebuild the report-period marts (month, quarter, year to
date, since the merger: Phụ lục V, scorecard, reconciliation, open-data catalogue) and republish."""

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
        from chiso.warehouse import build_warehouse

        return build_warehouse(select="tag:report_period").line()

    @task(outlets=[EXPORTS])
    def publish_exports() -> list[dict[str, object]]:
        from chiso.publishing import publish_exports

        return [{"dataset": f.dataset, "path": f.path, "rows": f.rows} for f in publish_exports()]

    built = build_report_marts()
    built >> publish_exports()
    built >> quality_check_task()()


chiso_monthly()
