#!/usr/bin/env bash
# One-shot setup before any other Airflow service starts: the airflow-init service of
# docker-compose.yaml runs it, and so does tests/harness/celery_stack.py on loopback.
#
#  1. `airflow db migrate`: Airflow's schema. The first Airflow command also writes
#     $AIRFLOW_CONFIG (on the shared config volume) with generated secrets (jwt_secret,
#     fernet_key, secret_key) that every other service then reads: they must agree.
#  2. The connection mlmd_default (type mlmd, see airflow_tfx_provider/hooks/mlmd.py), where
#     every pipeline records its lineage unless it names another. It is replaced on every start
#     from $_AIRFLOW_TFX_MLMD_CONNECTION (an Airflow connection URI), so edit it there.
#     `airflow tfx init-store` then creates MLMD's tables in it, so that the first tasks do not
#     all try to at once (and fails here, naming the store, if it cannot be reached).
#  3. The admin user of Airflow's simple auth manager ($AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS):
#     its password goes into the passwords file that the api-server reads.
set -euo pipefail
: "${_AIRFLOW_TFX_MLMD_CONNECTION:?must hold the mlmd_default connection as a URI}"
: "${_AIRFLOW_WWW_USER_USERNAME:?}" "${_AIRFLOW_WWW_USER_PASSWORD:?}"
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?}"

airflow db migrate

airflow connections delete mlmd_default >/dev/null 2>&1 || true
airflow connections add mlmd_default --conn-uri "$_AIRFLOW_TFX_MLMD_CONNECTION"
airflow tfx init-store --conn-id mlmd_default

python - <<'PY'
import json
import os

path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
os.makedirs(os.path.dirname(path), exist_ok=True)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as passwords:
    json.dump({os.environ["_AIRFLOW_WWW_USER_USERNAME"]: os.environ["_AIRFLOW_WWW_USER_PASSWORD"]}, passwords)
print(f"admin user {os.environ['_AIRFLOW_WWW_USER_USERNAME']!r}: password written to {path}")
PY
