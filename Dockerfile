# One image for every Airflow service, installed from the same lock file as `make install`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/dacall/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    DACALL_LANDING=/data/landing \
    DACALL_WAREHOUSE=/warehouse/dacall.duckdb \
    DACALL_REPORTS=/reports \
    DACALL_EXTRACTS=/extracts

WORKDIR /opt/dacall
COPY requirements.lock pyproject.toml README.md ./
RUN python -m pip install --no-cache-dir "uv==$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)" \
 && uv pip sync --system --require-hashes requirements.lock
COPY src ./src
COPY dags ./dags
COPY dbt ./dbt
COPY config ./config
COPY expectations ./expectations
RUN uv pip install --system --no-deps . \
 && useradd --create-home --uid 50000 airflow \
 && mkdir -p /opt/airflow /data /warehouse /reports /extracts \
 && chown -R airflow /opt/airflow /opt/dacall/dbt /data /warehouse /reports /extracts
USER airflow
ENV DACALL_CONFIG_DIR=/opt/dacall/config
