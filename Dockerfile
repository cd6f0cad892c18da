# Airflow 3 image with chiso and its pinned dependencies (same lock as `make test`).
FROM apache/airflow:3.3.2-python3.11
USER root
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
USER airflow
WORKDIR /opt/chiso
COPY --chown=airflow:root requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY --chown=airflow:root chiso ./chiso
COPY --chown=airflow:root extract ./extract
COPY --chown=airflow:root publish ./publish
COPY --chown=airflow:root simulator ./simulator
RUN pip install --no-cache-dir --no-deps -e .
