# One image for every Airflow service, installed from the same lock file as `make install`.
# On a closed network, docker/base-images.sh builds the base image from Debian's packages.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/dacall/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    DACALL_LANDING=/data/landing \
    DACALL_WAREHOUSE=/warehouse/dacall.duckdb \
    DACALL_STATE_DIR=/warehouse/state \
    DACALL_REPORTS=/reports \
    DACALL_EXTRACTS=/extracts \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1

WORKDIR /opt/dacall
COPY requirements.lock ./
# pip and uv trust the system's certificate store (a closed network's own CA included).
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# Bytecode is compiled once here: with PYTHONDONTWRITEBYTECODE every process (each dbt build,
# each task) would otherwise recompile Airflow, dbt and GX from source on every import.
RUN python3 -m venv /opt/venv \
 && pip install --no-cache-dir --disable-pip-version-check \
        "uv==$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)" \
 && uv pip sync --no-cache --compile-bytecode --require-hashes requirements.lock
# The package carries its dbt project, GX suites and default configuration (dacall.settings);
# the code is read-only at run time, and run-time state goes to DACALL_STATE_DIR.
COPY pyproject.toml README.md ./
COPY src ./src
COPY dbt ./dbt
COPY config ./config
COPY expectations ./expectations
RUN uv pip install --no-cache --compile-bytecode --no-deps . \
 && rm -rf src dbt config expectations pyproject.toml README.md
COPY dags ./dags
RUN useradd --create-home --uid 50000 airflow \
 && mkdir -p /opt/airflow/logs /opt/airflow/auth /data/landing /warehouse /reports /extracts \
 && chown -R airflow /opt/airflow /warehouse /reports /extracts \
 && chmod 700 /opt/airflow/auth /warehouse /reports /extracts
USER airflow
