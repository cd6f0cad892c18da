"""DAG integrity: every DAG file imports cleanly and follows the project's rules."""

import pytest
from airflow.dag_processing.dagbag import DagBag

from chiso.config import PROJECT_ROOT, settings
from extract.sources import SOURCES


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CHISO_TASK_RETRIES", raising=False)  # the production setting, not the tests' 0
        settings.cache_clear()
        try:
            return DagBag(dag_folder=PROJECT_ROOT / "dags", safe_mode=False)
        finally:
            mp.undo()
            settings.cache_clear()


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"chiso_nightly"} <= set(dagbag.dag_ids)


def test_every_dag_follows_the_rules(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.timezone.name == "Asia/Ho_Chi_Minh", f"{dag_id} is not on local time"
        assert dag.doc_md, f"{dag_id} has no documentation"
        assert dag.max_active_runs == 1, f"{dag_id} may run nights concurrently"
        for task in dag.tasks:
            assert task.owner == "chiso-data", f"{dag_id}.{task.task_id} has owner {task.owner!r}"
            assert task.on_failure_callback, f"{dag_id}.{task.task_id} has no failure notification"


def test_every_dag_says_in_both_languages_what_it_does_when_and_what_to_do_when_it_fails(dagbag):
    for dag_id, dag in dagbag.dags.items():
        vi, sep, en = dag.doc_md.partition("### English")
        assert sep and "### Tiếng Việt" in vi, f"{dag_id}: doc_md needs a Vietnamese and an English section"
        for section, headings in ((vi, ("**Làm gì:**", "**Khi nào:**", "**Khi lỗi:**")),
                                  (en, ("**What:**", "**When:**", "**When it fails:**"))):
            missing = [h for h in headings if h not in section]
            assert not missing, f"{dag_id}: doc_md lacks {missing}"


def test_every_task_has_a_one_line_doc_in_both_languages(dagbag):
    for dag_id, dag in dagbag.dags.items():
        for task in dag.tasks:
            doc = (task.doc_md or "").strip()
            assert doc and "\n" not in doc, f"{dag_id}.{task.task_id}: needs a one-line doc_md (its docstring)"
            assert " / " in doc, f"{dag_id}.{task.task_id}: doc_md should read 'Tiếng Việt / English'"


def test_nightly_retries_extracts_but_not_data_quality_steps(dagbag):
    dag = dagbag.dags["chiso_nightly"]
    assert dag.get_task("extract_tthc").retries >= 2
    assert dag.get_task("build_warehouse").retries == 0
    assert dag.get_task("build_warehouse").upstream_task_ids == {f"extract_{name}" for name in SOURCES}
    assert dag.get_task("publish_exports").upstream_task_ids == {"generate_docs"}
    assert dag.get_task("generate_docs").upstream_task_ids == {"build_warehouse"}
    assert dag.get_task("push_to_portal").upstream_task_ids == {"publish_exports"}


@pytest.mark.parametrize(("dag_id", "build"), [("chiso_nightly", "build_warehouse"),
                                               ("chiso_monthly", "build_report_marts"),
                                               ("chiso_filedrop", "build_warehouse")])
def test_the_quality_gate_runs_beside_the_exports_so_a_failure_never_stops_them(dagbag, dag_id, build):
    dag = dagbag.dags[dag_id]
    gate = dag.get_task("check_quality")
    assert gate.upstream_task_ids == {build} and gate.downstream_task_ids == set()
    assert gate.retries == 0  # a finding is not fixed by retrying
    assert "check_quality" not in dag.get_task("publish_exports").get_flat_relative_ids(upstream=True)


def test_the_monthly_dag_also_runs_when_an_annex_is_filed(dagbag):
    monthly = dagbag.dags["chiso_monthly"]
    filedrop = dagbag.dags["chiso_filedrop"]
    produced = {outlet.uri for task in filedrop.tasks for outlet in task.outlets}
    consumed = {asset.uri for asset in monthly.timetable.asset_condition.objects}
    assert consumed and consumed <= produced


def test_every_task_that_runs_dbt_shares_the_one_slot_pool(dagbag):
    import inspect

    from chiso.airflow_env import DBT_POOL

    runs_dbt = ("build_warehouse(", "generate_docs(", "run_dbt(")
    for dag_id, dag in dagbag.dags.items():
        for task in dag.tasks:
            source = inspect.getsource(task.python_callable) if hasattr(task, "python_callable") else ""
            body = source.split(":\n", 1)[-1]  # the body, not the def line
            expected = DBT_POOL if any(call in body for call in runs_dbt) else "default_pool"
            assert task.pool == expected, f"{dag_id}.{task.task_id} is in pool {task.pool!r}"
    assert sum(t.pool == DBT_POOL for d in dagbag.dags.values() for t in d.tasks) >= 4


def test_an_operator_can_accept_an_incomplete_batch_for_one_run(dagbag):
    assert "accept_incomplete" in dagbag.dags["chiso_nightly"].params
