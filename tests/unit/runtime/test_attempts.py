"""Dead attempts are reclaimed by any later attempt of the node, live ones are left alone."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime import attempts, output_dirs
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import ArtifactRef
from tests.unit.runtime.toy_components import ToyGenSpec


def settings(root, run_id, component_id="toy_gen"):
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name="toy", pipeline_root=str(root), run_id=run_id, component_id=component_id,
            temp_dir=os.path.join(str(root), ".temp", component_id),
        ),
        metadata=MetadataConfig.sqlite_under(str(root)),
    )  # fmt: skip


def gateway(root):
    return MetadataGateway.connect(MetadataConfig.sqlite_under(str(root)))


def dead_process() -> dict:
    """Identity of a process that has exited (its pid is free or reused)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return {**attempts.current_process(), "pid": child.pid, "process_start": 1}


def killed_attempt(root, run_id, identity, *, renamed=False):
    """What a SIGKILLed attempt leaves: RUNNING execution, PENDING output, partial files, scratch."""
    gw = gateway(root)
    contexts = gw.run_contexts("toy", run_id, "toy_gen")
    execution_id = gw.start_execution("ToyGen", contexts, {}, {"component_id": "toy_gen", **identity})
    final = output_dirs.final_uri(str(root), "toy_gen", "examples", execution_id)
    gw.declare_outputs(execution_id, contexts, {"examples": [ArtifactRef(type="Examples", uri=final)]})
    staging = output_dirs.staging_uri(final)
    os.makedirs(os.path.join(staging, "Split-train"))
    with open(os.path.join(staging, "Split-train", "part.gz"), "w") as handle:
        handle.write("half")
    if renamed:  # killed after the rename, before MLMD recorded it
        os.rename(staging, final)
    scratch = os.path.join(str(root), ".temp", "toy_gen", str(execution_id))
    os.makedirs(scratch)
    return execution_id, [final, staging, scratch]


def execution_state(root, execution_id):
    [execution] = gateway(root).raw.get_executions_by_id([execution_id])
    return execution.last_known_state


@pytest.mark.parametrize("renamed", [False, True], ids=["during-executor", "after-rename"])
def test_a_new_run_reclaims_an_attempt_whose_process_died(tmp_path, renamed):
    """Regression: only a retry in the same run cleaned up; a new run left RUNNING and folders."""
    dead_id, leftovers = killed_attempt(tmp_path, "day-1", dead_process(), renamed=renamed)
    result = launch(ToyGenSpec, settings(tmp_path, "day-2"), {}, {"span": 2})
    assert execution_state(tmp_path, dead_id) == pb.Execution.FAILED
    [execution] = gateway(tmp_path).raw.get_executions_by_id([dead_id])
    assert "no longer exists" in execution.custom_properties["failure"].string_value or (
        "another process" in execution.custom_properties["failure"].string_value
    )
    assert [p for p in leftovers if os.path.exists(p)] == []
    states = {a.state for a in gateway(tmp_path).raw.get_artifacts() if a.uri == leftovers[0]}
    assert states == {pb.Artifact.ABANDONED}
    # the dead attempt stays in its own run: reclaiming it does not attribute it to day-2
    contexts = {c.name for c in gateway(tmp_path).raw.get_contexts_by_execution(dead_id)}
    assert contexts == {"toy", "toy.day-1", "toy.toy_gen"}
    assert not result.cached


def test_a_live_attempt_of_a_parallel_run_is_left_alone(tmp_path):
    live_id, leftovers = killed_attempt(tmp_path, "day-1", attempts.current_process())
    launch(ToyGenSpec, settings(tmp_path, "day-2"), {}, {"span": 2})
    assert execution_state(tmp_path, live_id) == pb.Execution.RUNNING
    assert all(os.path.exists(p) for p in leftovers[1:])


def test_an_attempt_on_another_host_is_left_to_its_own_retry(tmp_path):
    elsewhere = {**dead_process(), "host": socket.gethostname() + "-other"}
    other_id, _ = killed_attempt(tmp_path, "day-1", elsewhere)
    launch(ToyGenSpec, settings(tmp_path, "day-2"), {}, {"span": 2})
    assert execution_state(tmp_path, other_id) == pb.Execution.RUNNING
    launch(ToyGenSpec, settings(tmp_path, "day-1"), {}, {"span": 1})  # its retry in its own run
    assert execution_state(tmp_path, other_id) == pb.Execution.FAILED


def test_the_scratch_folder_is_removed_after_success_and_failure(tmp_path):
    launch(ToyGenSpec, settings(tmp_path, "a"), {}, {"span": 1})
    with pytest.raises(Exception, match="toy failure"):
        launch(ToyGenSpec, settings(tmp_path, "b"), {}, {"span": 2, "fail_after_writing": True})
    assert os.listdir(tmp_path / ".temp" / "toy_gen") == []


def test_a_pipeline_root_that_is_a_file_is_named(tmp_path):
    root = tmp_path / "root"
    root.write_text("not a folder")
    with pytest.raises(PipelineDefinitionError, match=r"pipeline_root .*root is a file, not a folder"):
        launch(ToyGenSpec, settings(root, "a"), {}, {})
