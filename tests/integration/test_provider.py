"""Provider registration, the ``mlmd`` connection type, and a DAG using an MLMD connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider import __version__
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.hooks.mlmd import config_from_fields
from airflow_tfx_provider.metadata.config import Backend, MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.dag_runs import load_dag, run_dag, utc, write_dag_file


def _airflow_json(*args: str) -> list[dict]:
    airflow = Path(sys.executable).with_name("airflow")
    out = subprocess.run([str(airflow), *args, "-o", "json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_airflow_lists_the_provider_and_its_connection_type(airflow_db):
    providers = {p["package_name"]: p["version"] for p in _airflow_json("providers", "list")}
    assert providers.get("airflow-tfx-provider") == __version__
    hooks = {h["connection_type"]: h["class"] for h in _airflow_json("providers", "hooks")}
    assert hooks.get("mlmd") == "airflow_tfx_provider.hooks.mlmd.MLMDHook"


def test_connection_form_declares_backend_and_sqlite_fields(airflow_db):
    from airflow.providers_manager import ProvidersManager

    widgets = ProvidersManager().connection_form_widgets
    assert {"extra__mlmd__backend", "extra__mlmd__sqlite_path"} <= set(widgets)
    behaviour = ProvidersManager().field_behaviours["mlmd"]
    assert behaviour["relabeling"]["schema"] == "Database"


def test_connection_fields_map_to_metadata_configs():
    sqlite = config_from_fields(
        conn_id="c", host=None, port=None, schema=None, login=None, password=None,
        extra={"backend": "sqlite", "sqlite_path": "/data/mlmd.sqlite"},
    )  # fmt: skip
    assert sqlite == MetadataConfig(backend=Backend.SQLITE, path="/data/mlmd.sqlite")
    mysql = config_from_fields(
        conn_id="c", host="db", port=3307, schema="ml", login="u", password="p", extra={"backend": "mysql"}
    )
    proto = mysql.to_proto()
    assert (proto.mysql.host, proto.mysql.port, proto.mysql.database, proto.mysql.user) == (
        "db",
        3307,
        "ml",
        "u",
    )
    postgres = config_from_fields(
        conn_id="c",
        host="pg",
        port=None,
        schema=None,
        login="u",
        password="s3cret",
        extra={"backend": "postgresql"},
    )
    assert postgres.to_proto().postgresql.port == "5432" and "s3cret" not in postgres.describe()
    with pytest.raises(PipelineDefinitionError, match="'c': backend 'oracle'"):
        config_from_fields(conn_id="c", host="h", port=None, schema=None, login=None, password=None,
                           extra={"backend": "oracle"})  # fmt: skip
    with pytest.raises(PipelineDefinitionError, match="needs a host"):
        config_from_fields(conn_id="c", host=None, port=None, schema=None, login=None, password=None,
                           extra={"backend": "postgresql"})  # fmt: skip


def test_dag_records_into_the_store_its_connection_names(airflow_db, dags_folder, tmp_path, monkeypatch):
    store_path = tmp_path / "elsewhere" / "mlmd.sqlite"
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLMD_ELSEWHERE",
        json.dumps({"conn_type": "mlmd", "extra": {"backend": "sqlite", "sqlite_path": str(store_path)}}),
    )
    root = tmp_path / "root"
    path = write_dag_file(
        dags_folder,
        "toy_with_connection",
        f"""
        # airflow DAG file for tests
        from airflow_tfx_provider.dag_factory import create_pipeline_dag
        from tests.toy_operators import ToyGenOperator
        dag = create_pipeline_dag(dag_id="toy_with_connection", components=[ToyGenOperator()],
                                  pipeline_root={str(root)!r}, metadata_conn_id="mlmd_elsewhere")
        """,
    )
    assert run_dag(load_dag(path, "toy_with_connection"), utc(2024, 1, 1)) == {"toy_gen": "success"}
    assert not (root / "metadata.sqlite").exists()
    mlmd = MetadataGateway.connect(MetadataConfig(path=str(store_path))).raw
    assert [e.last_known_state for e in mlmd.get_executions()] == [pb.Execution.COMPLETE]
    assert os.path.isdir(mlmd.get_artifacts()[0].uri)
