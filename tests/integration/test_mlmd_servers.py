"""The MLMD gateway and the launcher on real MySQL (MariaDB) and PostgreSQL servers."""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.metadata.config import Backend, MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import refs_to_json
from tests.harness.services import mariadb_server, postgres_server
from tests.unit.runtime.toy_components import ToyGenSpec, ToySchemaSpec

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["postgresql", "mysql"])
def server_config(request, tmp_path_factory):
    backend = Backend(request.param)
    starter = postgres_server if backend is Backend.POSTGRESQL else mariadb_server
    with starter(tmp_path_factory.mktemp(request.param)) as server:
        yield MetadataConfig(backend=backend, host=server.host, port=server.port, database="mlmd_test",
                             user=server.user)  # fmt: skip


def _settings(config: MetadataConfig, root: Path, component_id: str, run_id: str) -> RunSettings:
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name=f"servers_{config.backend.value}",
            pipeline_root=str(root),
            run_id=run_id,
            component_id=component_id,
        ),
        metadata=config,
    )


def test_lifecycle_and_cache_on_a_database_server(server_config, tmp_path):
    gen = launch(ToyGenSpec, _settings(server_config, tmp_path, "toy_gen", "r1"), {}, {"span": 3})
    schema = launch(
        ToySchemaSpec, _settings(server_config, tmp_path, "toy_schema", "r1"),
        {"examples": refs_to_json(gen.outputs)["examples"]}, {},
    )  # fmt: skip
    again = launch(ToyGenSpec, _settings(server_config, tmp_path, "toy_gen", "r2"), {}, {"span": 3})
    assert again.cached and again.outputs["examples"][0].mlmd_id == gen.outputs["examples"][0].mlmd_id
    mlmd = MetadataGateway.connect(server_config).raw
    [done] = mlmd.get_executions_by_id([schema.execution_id])
    assert done.last_known_state == pb.Execution.COMPLETE
    [cached] = mlmd.get_executions_by_id([again.execution_id])
    assert cached.last_known_state == pb.Execution.CACHED
    assert not (tmp_path / "metadata.sqlite").exists()


def _writer(config: MetadataConfig, root: str, worker: int) -> int:
    for i in range(3):
        settings = RunSettings(
            run=ExecutionInfo(
                pipeline_name=f"parallel_{config.backend.value}",
                pipeline_root=root,
                run_id=f"w{worker}-{i}",
                component_id=f"gen_{worker}",
            ),
            metadata=config,
            enable_cache=False,
        )
        launch(ToyGenSpec, settings, {}, {"span": i})
    return worker


def test_parallel_writers_on_a_database_server(server_config, tmp_path):
    with mp.get_context("spawn").Pool(4) as pool:
        assert sorted(pool.starmap(_writer, [(server_config, str(tmp_path), w) for w in range(4)])) == [
            0,
            1,
            2,
            3,
        ]
    mlmd = MetadataGateway.connect(server_config).raw
    runs = [e for e in mlmd.get_executions() if e.custom_properties["run_id"].string_value.startswith("w")]
    assert len(runs) == 12 and all(e.last_known_state == pb.Execution.COMPLETE for e in runs)
    assert all(os.path.isdir(a.uri) for a in mlmd.get_artifacts() if a.state == pb.Artifact.LIVE)


def test_the_history_commands_read_a_server_store_through_an_mlmd_connection(server_config, tmp_path):
    """`airflow tfx runs` / `artifacts` / `lineage` with --conn-id, the store on a database server."""
    import json
    import subprocess
    import sys

    def settings(component_id: str, run_id: str) -> RunSettings:
        run = ExecutionInfo(pipeline_name="cli_history", pipeline_root=str(tmp_path), run_id=run_id,
                            component_id=component_id)  # fmt: skip
        return RunSettings(run=run, metadata=server_config)

    gen = launch(ToyGenSpec, settings("toy_gen", "r1"), {}, {"span": 4})
    examples = refs_to_json(gen.outputs)["examples"]
    schema = launch(ToySchemaSpec, settings("toy_schema", "r1"), {"examples": examples}, {})
    launch(ToyGenSpec, settings("toy_gen", "r2"), {}, {"span": 4})  # a cache hit
    connection = {
        "conn_type": "mlmd", "host": server_config.host, "port": server_config.port,
        "schema": server_config.database, "login": server_config.user,
        "extra": {"backend": server_config.backend.value},
    }  # fmt: skip
    env = {**os.environ, "AIRFLOW_CONN_MLMD_CLI_TEST": json.dumps(connection)}
    airflow = str(Path(sys.executable).with_name("airflow"))

    def tfx(*args: str) -> object:
        done = subprocess.run([airflow, "tfx", *args, "--conn-id", "mlmd_cli_test", "-o", "json"],
                              capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    runs = tfx("runs", "cli_history")
    assert [[c["outcome"] for c in r["components"]] for r in runs] == [["executed", "executed"], ["cached"]]
    rows = tfx("artifacts", "cli_history")
    assert sorted(r["type"] for r in rows) == ["Examples", "Schema"]
    [schema_id] = [r["id"] for r in rows if r["type"] == "Schema"]
    assert schema_id == schema.outputs["schema"][0].mlmd_id
    tree = tfx("lineage", str(schema_id))
    assert tree["links"][0]["artifacts"][0]["artifact_id"] == gen.outputs["examples"][0].mlmd_id


def test_models_rollback_and_gc_on_a_database_server(server_config, tmp_path):
    """Model history, rollback and retention on a server store, after eight generated daily runs."""
    import dataclasses

    from airflow_tfx_provider.metadata import history
    from airflow_tfx_provider.runtime.retention import RetentionPolicy, apply_retention, plan_retention
    from airflow_tfx_provider.runtime.rollback import plan_rollback, roll_back
    from tests.harness import generated_store as generated

    config = dataclasses.replace(server_config, database=f"mlmd_{server_config.backend.value}_ops")
    root = tmp_path / "root"
    days = {day: generated.make_day(root, day, config) for day in range(1, 9)}
    gateway = MetadataGateway.connect(config)
    models = {m.model_id: m for m in history.models(gateway, generated.PIPELINE)}
    assert [m.verdict for m in models.values()].count("not blessed") == len(generated.NOT_BLESSED_DAYS)
    assert models[days[8]["model"]].serving and models[days[8]["model"]].span == 8

    plan = plan_rollback(gateway, generated.PIPELINE, str(days[7]["model"]))
    roll_back(config, generated.PIPELINE, plan, "rollback__test")
    serving = [m for m in history.models(gateway, generated.PIPELINE) if m.serving]
    assert [m.model_id for m in serving] == [days[7]["model"]]

    deleted, freed = apply_retention(
        gateway,
        plan_retention(gateway, generated.PIPELINE, RetentionPolicy(keep_spans=1, keep_models=2)),
        "t",
    )
    assert days[1]["model"] in deleted and days[7]["model"] not in deleted and days[8]["model"] not in deleted
    assert freed > 0
    stored = gateway.get_artifact(days[1]["examples"])
    assert stored is not None and stored.state == "DELETED" and not os.path.exists(stored.ref.uri)


def test_the_ui_pages_read_a_server_store_through_an_mlmd_connection(server_config, tmp_path, monkeypatch):
    """The plugin's pages on a PostgreSQL / MariaDB store, as the api-server opens it (the
    store's connection id, from the tasks' ``tfx_store`` XCom)."""
    import json

    from airflow_tfx_provider.plugins import pages
    from airflow_tfx_provider.plugins.store import PipelineStore
    from tests.harness import generated_store

    root = tmp_path / "root"
    days = [generated_store.make_day(root, day, server_config) for day in (1, 2, 3)]
    connection = {
        "conn_type": "mlmd", "host": server_config.host, "port": server_config.port,
        "schema": server_config.database, "login": server_config.user,
        "extra": {"backend": server_config.backend.value},
    }  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_MLMD_UI_TEST", json.dumps(connection))
    store = PipelineStore(generated_store.PIPELINE, str(root), conn_id="mlmd_ui_test", sqlite_path=None)
    pages.forget_records()
    run = pages.run_page(store, "day3")
    assert 'id="task-trainer"' in run and f"Model #{days[2]['model']}" in run
    models = pages.models_page(store)
    assert all(f"#{d['model']}" in models for d in days) and "SERVING" in models
    assert f"ModelBlessing #{days[2]['blessing']}" in pages.artifact_page(store, days[2]["blessing"])
    assert f"Examples #{days[2]['examples']}" in pages.lineage_page(store, days[2]["model"])
    generated_store.make_day(root, 4, server_config)  # a new run: the cached records catch up
    assert "day4" in pages.runs_page(store)
    pages.forget_records()


_CONNECT_AFTER_SETUP = """
import sys
from airflow_tfx_provider.operators.component import prepare_tensorflow_environment
prepare_tensorflow_environment()
from airflow_tfx_provider.metadata.config import Backend, MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
backend, host, port, database, user = sys.argv[1:]
config = MetadataConfig(backend=Backend(backend), host=host, port=int(port), database=database, user=user)
MetadataGateway.connect(config).raw.get_artifact_types()
"""


@pytest.mark.parametrize("library_level", ["WARNING", "INFO"])
def test_the_native_client_connects_quietly_unless_library_info_is_asked(server_config, library_level):
    """MLMD's C++ PostgreSQL client logs each connection at INFO through glog, on stderr, which a task
    log shows as errors; the operators set glog's level from ``[tfx] library_log_level`` before it loads."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "GLOG_minloglevel"}
    env["AIRFLOW__TFX__LIBRARY_LOG_LEVEL"] = library_level
    c = server_config
    where = [c.backend.value, c.host, str(c.port), c.database, c.user]
    done = subprocess.run(
        [sys.executable, "-c", _CONNECT_AFTER_SETUP, *where],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Connecting to database" not in done.stderr or library_level == "INFO", done.stderr[-2000:]
    if c.backend is Backend.POSTGRESQL:  # MLMD's MySQL client has no such INFO line to turn back on
        assert ("Connecting to database" in done.stderr) == (library_level == "INFO"), done.stderr[-2000:]


def test_init_store_creates_the_schema_before_any_task_and_names_a_store_it_cannot_open(server_config):
    """`airflow tfx init-store` (docker-compose.yaml's airflow-init runs it): MLMD's tables exist
    afterwards; an unreachable store fails with exit code 1 and the connection's name."""
    import dataclasses
    import json
    import subprocess
    import sys

    config = dataclasses.replace(server_config, database=f"mlmd_{server_config.backend.value}_init")
    airflow = str(Path(sys.executable).with_name("airflow"))

    def init_store(port: int) -> subprocess.CompletedProcess[str]:
        connection = {
            "conn_type": "mlmd", "host": config.host, "port": port, "schema": config.database,
            "login": config.user, "extra": {"backend": config.backend.value},
        }  # fmt: skip
        env = {**os.environ, "AIRFLOW_CONN_MLMD_INIT_TEST": json.dumps(connection)}
        return subprocess.run([airflow, "tfx", "init-store", "--conn-id", "mlmd_init_test"],
                              capture_output=True, text=True, env=env, timeout=300)  # fmt: skip

    done = init_store(config.port)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"MLMD store ready: {config.describe()}" in done.stdout
    mlmd = MetadataGateway.connect(config).raw
    assert mlmd.get_artifact_types() == [] and mlmd.get_contexts() == []  # an empty, working store
    from tests.harness.services import free_port

    refused = init_store(free_port())
    assert refused.returncode == 1
    assert "connection 'mlmd_init_test'" in refused.stderr and "cannot open the MLMD store" in refused.stderr


def test_the_commands_find_a_connection_made_with_airflow_connections_add(server_config, tmp_path):
    """docker-compose.yaml's airflow-init adds ``mlmd_default`` to Airflow's metadata DB and then
    runs ``airflow tfx init-store``: the commands must read connections from there too, not only
    from ``AIRFLOW_CONN_*`` variables (the Task SDK's lookup outside a task)."""
    import dataclasses
    import subprocess
    import sys

    config = dataclasses.replace(server_config, database=f"mlmd_{server_config.backend.value}_db_conn")
    airflow = str(Path(sys.executable).with_name("airflow"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env |= {"AIRFLOW_HOME": str(tmp_path / "home"), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": ""}
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([airflow, *args], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, (args, done.stderr[-3000:])
        return done

    run("db", "migrate")
    uri = f"mlmd://{config.user}@{config.host}:{config.port}/{config.database}?backend={config.backend.value}"
    run("connections", "add", "mlmd_default", "--conn-uri", uri)
    assert f"MLMD store ready: {config.describe()}" in run("tfx", "init-store").stdout
    assert MetadataGateway.connect(config).raw.get_contexts() == []  # the tables exist in that database
