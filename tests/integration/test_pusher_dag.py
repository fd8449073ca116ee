"""Pusher in a DAG: pushes when blessed (with an Asset event), skips visibly when not."""

from __future__ import annotations

import os

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
        # the same model again: no second version and no second event
        assert run_dag(dag, utc(2024, 1, 2))["pusher"] == "success"
        assert [p for p in os.listdir(serving) if p.isdigit()] == [version]
        assert len(_asset_events(uri)) == 1
    else:
        assert states["pusher"] == "skipped"
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
