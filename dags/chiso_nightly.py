"""Nightly: extract every source for the previous local day, rebuild the warehouse, publish the exports.

### Tiếng Việt
**Làm gì:** lấy số liệu ngày hôm trước của mọi nguồn (TTHC, thanh toán, VNeID, chữ ký số, văn bản điện tử) qua API,
nạp vào `raw` (mỗi nguồn một lô, nạp lại thì thay lô cũ), chạy `dbt build` (mô hình và kiểm thử), sinh tài liệu dbt,
xuất dữ liệu mở (CSV, XLSX, JSON, trang web) và đẩy lên cổng dữ liệu mở.
**Khi nào:** 01:30 giờ Việt Nam mỗi đêm. Chạy lại một khoảng ngày: *Trigger* với `from` và `to` (YYYY-MM-DD).
**Khi lỗi:**
- `extract_*` lỗi (nguồn không trả lời, sai định dạng, thiếu đơn vị báo cáo): đọc log của task, liên hệ cơ quan quản lý
  hệ thống nguồn; khi số liệu thiếu đã được giải thích, chạy lại với `accept_incomplete` ghi lý do. Lô cũ vẫn nguyên.
- `build_warehouse` lỗi (kiểm thử dbt không đạt, nguồn quá hạn): log nêu mô hình và kiểm thử; sửa số liệu nguồn hoặc
  khai báo rồi *Clear* task. Mart cũ vẫn phục vụ người dùng.
- `check_quality` lỗi: có phát hiện mới mức lỗi (xem `mart_quality_findings`, trang quality.html); dữ liệu mở vẫn xuất.
- `push_to_portal` lỗi: cổng CKAN không trả lời; *Clear* task khi cổng hoạt động lại (đẩy lại không tạo trùng).

### English
**What:** extracts the previous day of every source over their APIs into `raw` (one batch per source; a reload
supersedes it), runs `dbt build` (models and tests), generates the dbt docs, publishes the open data (CSV, XLSX,
JSON, the static site) and pushes it to the open-data portal.
**When:** 01:30 Asia/Ho_Chi_Minh every night; for a range of days, trigger it with `from` and `to` (YYYY-MM-DD).
**When it fails:** an `extract_*` task names the source, period and problem: ask the source's owner, and rerun with
`accept_incomplete` (the reason is recorded) once a gap is explained; the previous batch is untouched. A failing
`build_warehouse` names the dbt model and test: fix the data or the declaration, then clear the task; yesterday's
marts keep serving. `check_quality` fails on new error findings (`mart_quality_findings`, quality.html) while the
exports still publish. `push_to_portal` fails when CKAN is down: clear it later; a rerun never duplicates.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from chiso_dag_support import DBT_POOL, EXPORTS, LOCAL_TZ, MARTS, default_args, quality_check_task, raw_asset

from extract.sources import SOURCES


@dag(
    dag_id="chiso_nightly",
    description="Trích xuất nguồn → raw → dbt build → xuất bản dữ liệu mở / nightly extract, build, publish",
    schedule="30 1 * * *",  # 01:30 Asia/Ho_Chi_Minh, for the previous day
    start_date=pendulum.datetime(2025, 7, 2, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    tags=["chiso", "nightly"],
    default_args=default_args(retry_delay=timedelta(minutes=5)),
    params={
        "from": Param(None, type=["null", "string"], format="date", description="first day (YYYY-MM-DD)"),
        "to": Param(None, type=["null", "string"], format="date", description="last day (YYYY-MM-DD)"),
        "accept_incomplete": Param(None, type=["null", "string"],
                                   description="lý do chấp nhận lô thiếu đơn vị / why to load batches that miss"
                                               " reporting units or fall sharply (recorded on each batch)"),
    },
    doc_md=__doc__,
)
def chiso_nightly():
    @task
    def resolve_window() -> dict[str, str]:
        """Ngày cần lấy: hôm trước, hoặc from..to / The days to extract: yesterday, or from..to."""
        from chiso_dag_support import nightly_window

        ctx = get_current_context()
        start, end = nightly_window(ctx.get("logical_date"), ctx["params"].get("from"), ctx["params"].get("to"))
        return {"from": start.isoformat(), "to": end.isoformat()}

    def make_extract(source: str):
        @task(task_id=f"extract_{source}", outlets=[raw_asset(source)])
        def extract(window: dict[str, str]) -> dict[str, object]:
            """Lấy một nguồn qua API và nạp thành lô vào raw / Extract one source over its API into a raw batch."""
            from datetime import date

            from chiso.extraction import extract_source

            accept = get_current_context()["params"].get("accept_incomplete") or None
            summary = extract_source(source, date.fromisoformat(window["from"]), date.fromisoformat(window["to"]),
                                     corrections=True, accept_incomplete=accept)
            return {"source": summary.source, "periods": summary.periods, "rows": summary.rows,
                    "corrected": list(summary.corrected_periods)}

        return extract

    @task(retries=0, outlets=[MARTS], pool=DBT_POOL)  # a failing data test is not fixed by retrying
    def build_warehouse() -> str:
        """Kiểm tra độ mới, chạy dbt build / Check source freshness, then dbt build (models and tests)."""
        from chiso.warehouse import build_warehouse, check_freshness

        check_freshness()
        return build_warehouse().line()

    @task(retries=0, pool=DBT_POOL)
    def generate_docs() -> str:
        """Sinh trang tài liệu dbt một tệp / Generate the single-file dbt docs page."""
        from chiso.warehouse import generate_docs

        return generate_docs()

    @task(outlets=[EXPORTS])
    def publish_exports() -> list[dict[str, object]]:
        """Xuất dữ liệu mở: tệp, siêu dữ liệu, trang web / Write the open-data files, metadata and site."""
        from chiso.publishing import publish_exports

        return [{"dataset": f.dataset, "path": f.path, "rows": f.rows} for f in publish_exports()]

    @task
    def push_to_portal(exports: list[dict[str, object]]) -> list[str]:
        """Đẩy lên cổng CKAN, chỉ phần thay đổi / Push what changed to the CKAN portal."""
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSkipException

        from chiso.config import settings
        from chiso.publishing import push_to_portal

        url, key = settings().ckan_url, settings().ckan_api_key
        if not (url and key):
            try:
                conn = Connection.get("chiso_ckan")  # host = portal URL, password = API token
            except AirflowNotFoundException:
                raise AirflowSkipException("no portal configured (CHISO_CKAN_URL or connection chiso_ckan)") from None
            url, key = conn.host, conn.password
        return [str(change) for change in push_to_portal(url=url, api_key=key)]

    window = resolve_window()
    extracts = [make_extract(name)(window) for name in sorted(SOURCES)]
    built = build_warehouse()
    extracts >> built
    built >> quality_check_task()()  # beside docs and publish, never before them
    docs = generate_docs()  # publish reads the dbt docs it writes (descriptions, owners)
    published = publish_exports()
    built >> docs >> published
    push_to_portal(published)


chiso_nightly()
