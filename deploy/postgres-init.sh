#!/usr/bin/env bash
# First start of the compose PostgreSQL: the Airflow metadata DB and the chiso warehouse with its
# transformer login. Passwords come from the container environment (the compose .env), never from git.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
create role airflow login password '${AIRFLOW_DB_PASSWORD}';
create database airflow owner airflow;
create role chiso_transformer login password '${CHISO_DB_PASSWORD}';
create database chiso owner chiso_transformer;
SQL
