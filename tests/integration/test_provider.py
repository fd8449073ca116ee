"""Provider registration, the ``mlmd`` connection type, and a DAG using an MLMD connection.

The mapping of connection fields to metadata configs is tested in ``tests/unit/hooks/test_mlmd_hook.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider import __version__
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.harness.dag_runs import install_dag, load_dag, run_dag, utc


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


def test_dag_records_into_the_store_its_connection_names(airflow_db, dags_folder, tmp_path, monkeypatch):
    store_path = tmp_path / "elsewhere" / "mlmd.sqlite"
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLMD_ELSEWHERE",
        json.dumps({"conn_type": "mlmd", "extra": {"backend": "sqlite", "sqlite_path": str(store_path)}}),
    )
    root = tmp_path / "root"
    path = install_dag(
        dags_folder,
        "toy_pipeline",
        "toy_with_connection",
        pipeline_root=str(root),
        metadata_conn_id="mlmd_elsewhere",
    )
    assert run_dag(load_dag(path, "toy_with_connection"), utc(2024, 1, 1)) == {
        "toy_gen": "success",
        "toy_schema": "success",
    }
    assert not (root / "metadata.sqlite").exists()
    mlmd = MetadataGateway.connect(MetadataConfig(path=str(store_path))).raw
    assert [e.last_known_state for e in mlmd.get_executions()] == [pb.Execution.COMPLETE] * 2
    assert os.path.isdir(mlmd.get_artifacts()[0].uri)


def test_the_provider_adds_the_airflow_tfx_commands(airflow_db):
    airflow = Path(sys.executable).with_name("airflow")
    result = subprocess.run(
        [str(airflow), "tfx", "--help"], capture_output=True, text=True, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "migrate" in result.stdout and "report" in result.stdout
