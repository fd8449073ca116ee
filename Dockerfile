# syntax=docker/dockerfile:1
# The deployment image: Airflow 3.3.2 on Python 3.11 with this provider and its TFX stack, exactly
# as pinned by requirements/lock.txt. docker-compose.yaml builds it (`docker compose build`).
#
# Base: python:3.11-slim-bookworm, not apache/airflow:3.3.2-python3.11. The official image comes
# with Airflow installed from Airflow's own constraint file; the lock pins many of the same
# packages at other versions (it is resolved together with TensorFlow 2.16, TFX's libraries and
# the attrs override), so installing it on top would reinstall them in a second layer and ship
# both copies. On a bare Python the lock is the only source of packages: the image runs what the
# tests ran. Debian 12 (glibc 2.36) is also the system this project is tested on; the TFDV and
# MLMD wheels need manylinux_2_17, TFDV 1.17+ would need glibc 2.39.

# uv only installs; it stays in this stage and never reaches the image.
FROM python:3.11-slim-bookworm AS uv
RUN pip install --no-cache-dir uv==0.13.9

FROM python:3.11-slim-bookworm

# TF_USE_LEGACY_KERAS: TF 2.16 ships Keras 3 as tf.keras; TFT and TFMA need Keras 2 (tf-keras).
# PYTHONDONTWRITEBYTECODE: every .pyc is written at install time (--compile-bytecode below).
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW_TFX_PIPELINE_ROOT_BASE=/opt/airflow/pipelines \
    TF_USE_LEGACY_KERAS=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# Airflow's convention: uid 50000 in group 0, so that a platform running the container under
# an arbitrary uid in group 0 (OpenShift) can still write where the group may. The folders
# below are the mount points of docker-compose.yaml's volumes: a new named volume copies
# their ownership.
RUN useradd --uid 50000 --gid 0 --home-dir /opt/airflow --no-create-home --shell /bin/bash airflow \
    && mkdir -p /opt/airflow/dags /opt/airflow/logs /opt/airflow/config /opt/airflow/pipelines \
        /opt/airflow/serving \
    && chown -R 50000:0 /opt/airflow \
    && chmod -R g+rwX /opt/airflow

# Dependency layer: only the lock, so that a change of the provider's source reuses it.
# `uv pip sync` installs exactly the pinned set without resolving again (the lock was compiled
# with the attrs override, see README). --compile-bytecode: uv writes no .pyc by default, and
# without them every task process compiles TensorFlow's sources again (import tensorflow
# 10.2 s instead of 4.4 s, bench/RESULTS.md). --no-cache: no download cache in the layer.
COPY requirements/lock.txt /tmp/requirements/lock.txt
RUN --mount=from=uv,source=/usr/local/bin/uv,target=/usr/local/bin/uv \
    uv venv --python /usr/local/bin/python3.11 /opt/venv \
    && uv pip sync --python /opt/venv/bin/python --no-cache --compile-bytecode /tmp/requirements/lock.txt \
    && rm -rf /tmp/requirements

# Source layer: the provider itself (a regular, not editable, install; its dependencies are
# all in the layer above) and the init script of docker-compose.yaml's airflow-init service.
COPY setup.cfg pyproject.toml README.md /opt/airflow-tfx-provider/
COPY airflow_tfx_provider /opt/airflow-tfx-provider/airflow_tfx_provider
COPY deploy /opt/airflow-tfx-provider/deploy
RUN --mount=from=uv,source=/usr/local/bin/uv,target=/usr/local/bin/uv \
    uv pip install --python /opt/venv/bin/python --no-cache --no-deps --compile-bytecode \
        /opt/airflow-tfx-provider \
    && rm -rf /opt/airflow-tfx-provider/build /opt/airflow-tfx-provider/*.egg-info

USER 50000
WORKDIR /opt/airflow
EXPOSE 8080
CMD ["airflow", "version"]
