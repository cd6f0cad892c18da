"""docker-compose.yml: valid against the Compose specification, complete, and free of secrets.

No Docker engine runs on the development machines, so the file is checked, not started: against the
Compose JSON schema shipped in docker-compose 1.29.2 (fetched by `make install`), plus the rules a
deployment of chiso needs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from chiso.config import PROJECT_ROOT

SCHEMA = Path(sys.prefix) / "share" / "chiso" / "compose_spec.json"
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
AIRFLOW_SERVICES = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker"}


@pytest.fixture(scope="module")
def compose() -> dict:
    # what `docker compose config` does with ${VAR:?message} and ${VAR} when the variables are set
    text = re.sub(r"\$\{([A-Z0-9_]+)(:\?[^}]*)?\}", r"value-of-\1", COMPOSE.read_text(encoding="utf-8"))
    return yaml.safe_load(text)


def test_the_compose_file_follows_the_compose_specification(compose):
    assert SCHEMA.exists(), f"{SCHEMA} is missing: run `make install` (it fetches the Compose schema)"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_airflow_runs_every_component_with_celery_workers(compose):
    services = compose["services"]
    assert AIRFLOW_SERVICES.issubset(services)
    assert {"postgres", "redis"} <= set(services)
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:"), name


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        if name != "airflow-init":
            assert "healthcheck" in service and service["healthcheck"]["test"], f"{name} has no healthcheck"


def test_the_project_folders_are_mounted_read_only(compose):
    for name in AIRFLOW_SERVICES:
        volumes = compose["services"][name]["volumes"]
        for folder in ("dags", "dbt_project", "seeds"):
            assert f"./{folder}:/opt/chiso/{folder}:ro" in volumes, f"{name} does not mount {folder}"


def test_every_dependency_is_a_defined_service(compose):
    services = compose["services"]
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name


def test_no_secret_is_written_in_the_file():
    text = COMPOSE.read_text(encoding="utf-8")
    for line in text.splitlines():
        if re.search(r"(PASSWORD|SECRET|TOKEN)\w*:\s*\S", line) or re.search(r"://\w+:[^$@\s]+@", line):
            assert "${" in line, f"a literal secret in docker-compose.yml: {line.strip()}"


def test_airflow_init_makes_the_dbt_pool_and_initialises_the_warehouse_as_the_only_admin(compose):
    from chiso.airflow_env import DBT_POOL

    init = compose["services"]["airflow-init"]
    command = " ".join(init["command"])
    assert f"airflow pools set {DBT_POOL} 1 " in command and "chiso init --runtime-user chiso" in command
    assert init["environment"]["CHISO_ADMIN_DATABASE_URL"].startswith("postgresql://postgres:")
    for name, service in compose["services"].items():
        if name != "airflow-init":
            assert "CHISO_ADMIN_DATABASE_URL" not in (service.get("environment") or {}), name
    assert compose["services"]["airflow-worker"]["environment"]["CHISO_DATABASE_URL"].startswith("postgresql://chiso:")
