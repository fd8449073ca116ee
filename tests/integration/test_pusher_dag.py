"""Pusher in a DAG: pushes when blessed (with an Asset event), skips visibly when not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.dag_runs import install_dag, load_dag, run_dag, utc

pytestmark = pytest.mark.integration


def _prepare(tmp_path, blessed: bool):
    model = tmp_path / "model"
    (model / "Format-Serving").mkdir(parents=True)
    (model / "Format-Serving" / "saved_model.pb").write_bytes(b"graph")
    blessing = tmp_path / "blessing"
    blessing.mkdir()
    (blessing / ("BLESSED" if blessed else "NOT_BLESSED")).touch()
    return model, blessing


def _asset_events(uri: str) -> list[dict]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri == uri)
        ).all()
        return [dict(r[0]) for r in rows]


def _skip_codes(dag_id: str) -> list[str]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(XComModel.value).where(XComModel.dag_id == dag_id, XComModel.key == "tfx_skip")
        ).all()
        return [XComModel.deserialize_value(r)["code"] for r in rows]


def _producers(uri: str) -> list[tuple[str, str]]:
    from airflow.models.asset import AssetModel, TaskOutletAssetReference
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskOutletAssetReference.dag_id, TaskOutletAssetReference.task_id)
            .join(AssetModel, TaskOutletAssetReference.asset_id == AssetModel.id)
            .where(AssetModel.uri == uri)
        ).all()
        return [(r[0], r[1]) for r in rows]


@pytest.mark.parametrize("blessed", [True, False])
def test_pusher_pushes_or_skips(airflow_db, dags_folder, tmp_path, blessed):
    model, blessing = _prepare(tmp_path, blessed)
    serving = tmp_path / "serving"
    dag_id = f"push_{'blessed' if blessed else 'unblessed'}"
    path = install_dag(
        dags_folder, "push_pipeline", dag_id, model=str(model), blessing=str(blessing), blessed=int(blessed),
        serving=str(serving), pipeline_root=str(tmp_path / "root"),
    )  # fmt: skip
    dag = load_dag(path, dag_id)
    states = run_dag(dag, utc(2024, 1, 1))
    uri = f"file://{serving}"
    if blessed:
        assert states["pusher"] == "success"
        [version] = [p for p in os.listdir(serving) if p.isdigit()]
        events = _asset_events(uri)
        assert [e["version"] for e in events] == [version]
        assert (
            events[0]["task_id"] == "pusher"
            and events[0]["outputs"]["pushed_model"][0]["type"] == "PushedModel"
        )
        assert _producers(uri) == [(dag_id, "pusher")]  # Airflow's asset view shows the Pusher as producer
        # the same model again: no second version and no second event; the Pusher ends skipped
        assert run_dag(dag, utc(2024, 1, 2))["pusher"] == "skipped"
        assert _skip_codes(dag_id) == ["nothing_new"]  # machine-readable, in XCom
        assert [p for p in os.listdir(serving) if p.isdigit()] == [version]
        assert len(_asset_events(uri)) == 1
    else:
        assert states["pusher"] == "skipped"
        assert _skip_codes(dag_id) == ["not_blessed"]
        assert not serving.exists() or [p for p in os.listdir(serving) if p.isdigit()] == []
        assert _asset_events(uri) == []


def test_corrupt_model_is_infra_not_blessed_and_not_pushed(airflow_db, dags_folder, tmp_path):
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway

    model = tmp_path / "model"
    (model / "Format-Serving").mkdir(parents=True)
    (model / "Format-Serving" / "saved_model.pb").write_bytes(b"this is not a SavedModel")
    serving, root = tmp_path / "serving", tmp_path / "root"
    path = install_dag(
        dags_folder, "corrupt_push_pipeline", "push_corrupt", model=str(model), serving=str(serving),
        pipeline_root=str(root),
    )  # fmt: skip
    dag = load_dag(path, "push_corrupt")
    states = run_dag(dag, utc(2024, 1, 1))
    assert states == {"model": "success", "infra_validator": "success", "pusher": "skipped"}
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw
    [blessing] = mlmd.get_artifacts_by_type("InfraBlessing")
    assert blessing.custom_properties["blessed"].int_value == 0
    assert os.path.exists(os.path.join(blessing.uri, "INFRA_NOT_BLESSED"))
    assert not serving.exists() or [p for p in os.listdir(serving) if p.isdigit()] == []
    assert _asset_events(f"file://{serving}") == []


def _tfx(*args: str) -> subprocess.CompletedProcess[str]:
    airflow = Path(sys.executable).with_name("airflow")
    return subprocess.run(
        [str(airflow), "tfx", *args], capture_output=True, text=True, env=os.environ.copy(), timeout=300
    )


def test_rollback_serves_an_earlier_model_again(airflow_db, dags_folder, tmp_path):
    """`airflow tfx rollback`: an earlier pushed model becomes a new version, recorded in MLMD as a
    push with an asset event; it is then what serves and the next run's baseline. A model never
    blessed is refused."""
    serving, root = tmp_path / "serving", tmp_path / "root"
    versions = []
    for name, blessed, day in (("a", True, 1), ("b", True, 2), ("c", False, 3)):
        model, blessing = _prepare(tmp_path / name, blessed)
        (model / "Format-Serving" / "saved_model.pb").write_bytes(f"graph {name}".encode())
        path = install_dag(
            dags_folder, "push_pipeline", "push_rollback", model=str(model), blessing=str(blessing),
            blessed=int(blessed), serving=str(serving), pipeline_root=str(root),
        )  # fmt: skip
        states = run_dag(load_dag(path, "push_rollback"), utc(2024, 1, day))
        assert states["pusher"] == ("success" if blessed else "skipped"), states
        versions = sorted(p for p in os.listdir(serving) if p.isdigit())
    version_a, version_b = versions
    store = ["--pipeline-root", str(root)]

    done = _tfx("rollback", "push_rollback", "--to", version_a, *store, "-o", "json")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.lstrip().startswith("{"), done.stdout[:3000]
    summary = json.loads(done.stdout)
    newest = max(p for p in os.listdir(serving) if p.isdigit())
    assert newest not in (version_a, version_b) and summary["version"] == newest
    assert (serving / newest / "saved_model.pb").read_bytes() == b"graph a"  # TF Serving's highest version
    assert summary["allowed_because"] == f"pushed before as version(s) ['{version_a}']"
    events = _asset_events(f"file://{serving}")
    assert len(events) == 3 and events[-1]["rollback"] is True and events[-1]["version"] == newest
    assert summary["asset_event"]

    models = {
        m["model_id"]: m for m in json.loads(_tfx("models", "push_rollback", *store, "-o", "json").stdout)
    }
    assert models[summary["model_id"]]["serving"] is True
    from airflow_tfx_provider.components.spec import ExecutionInfo
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway
    from airflow_tfx_provider.runtime.artifact_query import ArtifactQuery
    from airflow_tfx_provider.runtime.resolver import latest_blessed_model
    from airflow_tfx_provider.runtime.settings import RunSettings

    config = MetadataConfig.sqlite_under(str(root))
    settings = RunSettings(run=ExecutionInfo(pipeline_name="push_rollback"), metadata=config)
    [baseline] = latest_blessed_model(
        MetadataGateway.connect(config), settings, ArtifactQuery("Model"), [], {}
    )
    assert baseline.mlmd_id == summary["model_id"]  # the next run compares with the rolled-back model

    again = _tfx("rollback", "push_rollback", "--to", version_a, *store)
    assert again.returncode != 0 and "is already serving" in again.stderr
    never = [m for m in models.values() if not m["pushed_version"]]
    [model_c] = never
    refused = _tfx("rollback", "push_rollback", "--to", str(model_c["model_id"]), *store)
    assert refused.returncode != 0 and "never blessed nor pushed; use --force" in refused.stderr
    assert sorted(p for p in os.listdir(serving) if p.isdigit()) == sorted([version_a, version_b, newest])
