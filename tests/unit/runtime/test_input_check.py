"""Input references checked against MLMD, the run and the published files (real SQLite MLMD)."""

from __future__ import annotations

import os

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import InputResolutionError
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings, TaskOutput
from tests.unit.runtime.toy_components import ToyGenSpec, ToyPairSpec, ToySchemaSpec


def settings(root, component_id, run_id="run-1"):
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name="toy", pipeline_root=str(root), run_id=run_id, component_id=component_id
        ),
        metadata=MetadataConfig.sqlite_under(str(root)),
    )


def state(root, artifact_id):
    [artifact] = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw.get_artifacts_by_id(
        [artifact_id]
    )
    return artifact.state


def test_an_xcom_of_another_run_is_refused(tmp_path):
    """Regression: a consistent reference to another run's artifact was accepted."""
    day1 = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "day-1"), {}, {"span": 1}).outputs["examples"][0]
    day2 = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "day-2"), {}, {"span": 2}).outputs["examples"][0]
    stale = {"examples": [TaskOutput(day2.to_json(), "toy_gen")]}
    with pytest.raises(
        InputResolutionError, match=r"not produced by task 'toy_gen' in this run \(toy\.day-1\)"
    ):
        launch(ToySchemaSpec, settings(tmp_path, "toy_schema", "day-1"), stale, {})
    wrong_task = {"examples": [TaskOutput(day1.to_json(), "other_task")]}
    with pytest.raises(InputResolutionError, match="not produced by task 'other_task'"):
        launch(ToySchemaSpec, settings(tmp_path, "toy_schema", "day-1"), wrong_task, {})
    own = {"examples": [TaskOutput(day1.to_json(), "toy_gen")]}
    assert launch(ToySchemaSpec, settings(tmp_path, "toy_schema", "day-1"), own, {}).outputs["schema"]
    # a reference given as a constant (not read from a task's XCom) may come from any run
    assert launch(
        ToySchemaSpec, settings(tmp_path, "toy_schema", "day-3"), {"examples": [day2.to_json()]}, {}
    )


def test_a_cache_hit_counts_as_producing_in_this_run(tmp_path):
    launch(ToyGenSpec, settings(tmp_path, "toy_gen", "a"), {}, {"span": 1})
    cached = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "b"), {}, {"span": 1})
    assert cached.cached
    ref = cached.outputs["examples"][0]
    launch(
        ToySchemaSpec,
        settings(tmp_path, "toy_schema", "b"),
        {"examples": [TaskOutput(ref.to_json(), "toy_gen")]},
        {},
    )


def test_an_emptied_artifact_is_neither_a_cache_hit_nor_an_input_and_leaves_live(tmp_path):
    """Regression: an artifact whose files were removed (folders kept) stayed a cache hit forever."""
    first = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "a"), {}, {"span": 1})
    ref = first.outputs["examples"][0]
    assert ref.properties["manifest_files"] == 1 and ref.properties["manifest_bytes"] == len("hello")
    os.remove(os.path.join(ref.split_uri("train"), "data.gz"))  # the folder stays

    with pytest.raises(
        InputResolutionError, match=rf"artifact id {ref.mlmd_id} \(Examples\) is damaged: .*0 file"
    ):
        launch(ToySchemaSpec, settings(tmp_path, "toy_schema", "a"), {"examples": [ref.to_json()]}, {})
    assert state(tmp_path, ref.mlmd_id) == pb.Artifact.DELETED

    again = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "b"), {}, {"span": 1})
    assert not again.cached and again.outputs["examples"][0].mlmd_id != ref.mlmd_id


def test_a_truncated_file_makes_the_cache_miss_and_the_artifact_leave_live(tmp_path):
    first = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "a"), {}, {"span": 1})
    ref = first.outputs["examples"][0]
    with open(os.path.join(ref.split_uri("train"), "data.gz"), "w") as handle:
        handle.write("hel")
    again = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "b"), {}, {"span": 1})
    assert not again.cached
    assert state(tmp_path, ref.mlmd_id) == pb.Artifact.DELETED


def test_a_deleted_folder_leaves_live(tmp_path):
    """Regression: a deleted artifact folder was detected but the artifact stayed LIVE."""
    ref = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "a"), {}, {"span": 1}).outputs["examples"][0]
    import shutil

    shutil.rmtree(ref.uri)
    with pytest.raises(InputResolutionError, match=r"files at .* are gone"):
        launch(ToySchemaSpec, settings(tmp_path, "toy_schema", "a"), {"examples": [ref.to_json()]}, {})
    assert state(tmp_path, ref.mlmd_id) == pb.Artifact.DELETED


def test_the_same_artifact_under_two_input_keys_runs_and_records_both_uses(tmp_path):
    """Regression: it crashed with MLMD's AlreadyExistsError (one event per artifact and execution)."""
    ref = launch(ToyGenSpec, settings(tmp_path, "toy_gen"), {}, {"span": 1}).outputs["examples"][0]
    result = launch(
        ToyPairSpec, settings(tmp_path, "pair"), {"left": [ref.to_json()], "right": [ref.to_json()]}, {}
    )
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(tmp_path))).raw
    [event] = [e for e in mlmd.get_events_by_execution_ids([result.execution_id]) if e.type == pb.Event.INPUT]
    assert event.artifact_id == ref.mlmd_id
    steps = [s.key if s.HasField("key") else s.index for s in event.path.steps]
    assert steps == ["left", 0, "right", 0]
