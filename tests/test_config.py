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
