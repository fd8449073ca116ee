"""Parallel tasks writing to one SQLite MLMD store must not fail with 'database is locked'."""

from __future__ import annotations

import multiprocessing as mp

from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.serialized import is_transient
from airflow_tfx_provider.metadata.store import MetadataGateway


def _run_many(root: str, worker: int) -> int:
    from airflow_tfx_provider.components.spec import ExecutionInfo
    from airflow_tfx_provider.runtime.launcher import launch
    from airflow_tfx_provider.runtime.settings import RunSettings
    from tests.unit.runtime.toy_components import ToyGenSpec

    for i in range(5):
        settings = RunSettings(
            run=ExecutionInfo(
                pipeline_name="toy",
                pipeline_root=root,
                run_id=f"run-{worker}-{i}",
                component_id=f"gen_{worker}",
            ),
            metadata=MetadataConfig.sqlite_under(root),
            enable_cache=False,
        )
        launch(ToyGenSpec, settings, {}, {"span": i})
    return worker


def test_parallel_writers_all_succeed(tmp_path):
    ctx = mp.get_context("spawn")
    with ctx.Pool(6) as pool:
        done = pool.starmap(_run_many, [(str(tmp_path), w) for w in range(6)])
    assert sorted(done) == list(range(6))
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(tmp_path))).raw
    executions = mlmd.get_executions()
    assert len(executions) == 30
    assert all(e.last_known_state == pb.Execution.COMPLETE for e in executions)
    assert len([a for a in mlmd.get_artifacts() if a.state == pb.Artifact.LIVE]) == 30


def test_lock_errors_are_classified_as_transient():
    assert is_transient(RuntimeError("sqlite3_step failed: database is locked"))
    assert not is_transient(ValueError("no such column"))
