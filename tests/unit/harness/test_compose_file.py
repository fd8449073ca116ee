"""How the loopback deployment reads docker-compose.yaml: Compose's interpolation, the name mapping."""

from __future__ import annotations

from tests.harness.compose_file import Loopback, health_argv, interpolate


def test_interpolation_follows_compose():
    env = {"SET": "value", "EMPTY": ""}
    assert interpolate("$$HOSTNAME and $${HOSTNAME}", env) == "$HOSTNAME and ${HOSTNAME}"
    assert interpolate("${SET:-d} ${EMPTY:-d} ${UNSET:-d}", env) == "value d d"
    assert interpolate("${SET-d} ${EMPTY-d} ${UNSET-d}", env) == "value  d"
    assert interpolate("$SET/${SET}/${UNSET}", env) == "value/value/"


def test_names_map_to_loopback_longest_first():
    loopback = Loopback(
        addresses={"postgres:5432": "127.0.0.1:1111"},
        paths={"/opt/airflow": "/tmp/home", "/opt/airflow-tfx-provider": "/repo"},
        variables={"_AIRFLOW_WWW_USER_USERNAME": "admin"},
    )
    assert (
        loopback.translate("postgresql://a:b@postgres:5432/airflow")
        == "postgresql://a:b@127.0.0.1:1111/airflow"
    )
    assert loopback.argv(["bash", "/opt/airflow-tfx-provider/deploy/x.sh", "/opt/airflow/logs"]) == [
        "bash", "/repo/deploy/x.sh", "/tmp/home/logs",
    ]  # fmt: skip
    assert loopback.environment({"environment": {"U": "${_AIRFLOW_WWW_USER_USERNAME:-airflow}:admin"}}) == {
        "U": "admin:admin"
    }


def test_health_checks_run_as_docker_runs_them():
    assert health_argv({"healthcheck": {"test": ["CMD", "airflow", "jobs", "check"]}}) == [
        "airflow",
        "jobs",
        "check",
    ]
    assert health_argv({"healthcheck": {"test": ["CMD-SHELL", 'ping -d "$${HOSTNAME}"']}}) == [
        "sh", "-c", 'ping -d "$${HOSTNAME}"',
    ]  # fmt: skip
