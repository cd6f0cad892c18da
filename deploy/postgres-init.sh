#!/usr/bin/env bash
# First start of the compose PostgreSQL: the Airflow metadata DB and the chiso warehouse owned by the run-time
# login `chiso` (no superuser; `chiso init` in airflow-init then creates the roles it acts as).
# Passwords come from the container environment (the compose .env), never from git.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
create role airflow login password '${AIRFLOW_DB_PASSWORD}';
create database airflow owner airflow;
create role chiso login nosuperuser nocreatedb nocreaterole password '${CHISO_DB_PASSWORD}';
create database chiso owner chiso;
SQL
