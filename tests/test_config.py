"""The settings: read once from CHISO_* variables, overridden by what a process decides, handed on whole to children."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from chiso.config import VARIABLES, Settings, child_environment, from_environment, settings


def test_every_setting_has_its_variable():
    assert set(VARIABLES) == {f.name for f in fields(Settings)}
    assert all(name.startswith("CHISO_") for name in VARIABLES.values())


def test_a_child_process_gets_the_same_settings_as_this_one():
    decided = replace(settings(), source_url="http://127.0.0.1:9/", task_retries=0, ckan_api_key="k",
                      inbox_settle_s=0.5)
    env = child_environment(decided, extra={"AIRFLOW_HOME": "/tmp/x"}, drop=["CHISO_ADMIN_DATABASE_URL"])
    assert from_environment(env) == replace(decided, admin_database_url=None)
    assert env["AIRFLOW_HOME"] == "/tmp/x" and "CHISO_ADMIN_DATABASE_URL" not in env
    assert env["PATH"]  # the rest of this process's environment goes along


def test_unset_retries_mean_the_default_and_a_bad_value_names_the_variable():
    assert from_environment({}).retries == 2 and from_environment({"CHISO_TASK_RETRIES": "0"}).retries == 0
    with pytest.raises(ValueError, match="CHISO_TASK_RETRIES must be a whole number, got 'two'"):
        from_environment({"CHISO_TASK_RETRIES": "two"})


def test_dbt_sessions_run_without_jit_and_keep_the_callers_options(monkeypatch):
    """dbt's connections take PGOPTIONS (dbt-postgres has no options field): JIT off, added once to the options
    this process already has, so exporting them twice changes nothing (the parsed manifest is keyed on them)."""
    import psycopg

    from chiso.config import DBT_SESSION_OPTIONS, dbt_environment
    from conftest import LOCAL_SERVER

    monkeypatch.setenv("PGOPTIONS", "-c statement_timeout=0")
    first = dbt_environment({"host": "h", "user": "u"}, "r")
    assert first["PGOPTIONS"] == f"-c statement_timeout=0 {DBT_SESSION_OPTIONS}"
    monkeypatch.setenv("PGOPTIONS", first["PGOPTIONS"])  # as run_dbt exports it
    assert dbt_environment({"host": "h", "user": "u"}, "r") == first
    with psycopg.connect(LOCAL_SERVER) as c:  # libpq reads PGOPTIONS, as dbt's psycopg2 does
        assert c.execute("show jit").fetchone() == ("off",)
