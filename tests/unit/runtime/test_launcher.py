"""The launcher lifecycle on real MLMD (SQLite in tmp_path) with pure-Python toy executors."""

from __future__ import annotations

import os

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import (
    InputResolutionError,
    InvalidInputDataError,
    OutputVerificationError,
)
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import refs_to_json
from tests.unit.runtime.toy_components import CALLS, LazySpec, ToyGenSpec, ToySchemaSpec


def settings(root, component_id, run_id="run-1", cache=True):
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name="toy", pipeline_root=str(root), run_id=run_id, component_id=component_id
        ),
        metadata=MetadataConfig.sqlite_under(str(root)),
        enable_cache=cache,
    )


def store(root):
    return MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw


def as_xcom(result, key):
    return refs_to_json(result.outputs)[key]


def test_run_records_contexts_execution_events_and_live_artifact(tmp_path):
    result = launch(ToyGenSpec, settings(tmp_path, "toy_gen"), {}, {"text": "abc", "span": 4})
    [ref] = result.outputs["examples"]
    assert ref.uri == os.path.join(str(tmp_path), "toy_gen", "examples", str(result.execution_id))
    assert open(os.path.join(ref.split_uri("train"), "data.gz")).read() == "abc"
    assert ref.properties["span"] == 4 and ref.split_names == ["train"]

    mlmd = store(tmp_path)
    [execution] = mlmd.get_executions_by_id([result.execution_id])
    assert execution.last_known_state == pb.Execution.COMPLETE
    [artifact] = mlmd.get_artifacts_by_id([ref.mlmd_id])
    assert artifact.state == pb.Artifact.LIVE
    assert artifact.properties["span"].int_value == 4
    events = mlmd.get_events_by_execution_ids([result.execution_id])
    assert [(e.type, e.path.steps[0].key) for e in events] == [(pb.Event.OUTPUT, "examples")]
    context_names = {c.name for c in mlmd.get_contexts_by_execution(result.execution_id)}
    assert context_names == {"toy", "toy.run-1", "toy.toy_gen"}
    assert not [p for p in os.listdir(os.path.dirname(ref.uri)) if p.startswith(".staging")]


def test_downstream_gets_input_event_and_cache_hit_reuses_outputs(tmp_path):
    gen = launch(ToyGenSpec, settings(tmp_path, "toy_gen"), {}, {"span": 9})
    schema = launch(
        ToySchemaSpec, settings(tmp_path, "toy_schema"), {"examples": as_xcom(gen, "examples")}, {}
    )
    assert "span 9" in open(os.path.join(schema.outputs["schema"][0].uri, "schema.pbtxt")).read()

    CALLS.clear()
    gen2 = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-2"), {}, {"span": 9})
    schema2 = launch(
        ToySchemaSpec, settings(tmp_path, "toy_schema", "run-2"), {"examples": as_xcom(gen2, "examples")}, {}
    )
    assert CALLS == []  # neither executor ran again
    assert gen2.cached and schema2.cached
    assert gen2.outputs["examples"][0].mlmd_id == gen.outputs["examples"][0].mlmd_id
    assert sorted(os.listdir(tmp_path / "toy_gen" / "examples")) == [str(gen.execution_id)]
    mlmd = store(tmp_path)
    [cached] = mlmd.get_executions_by_id([schema2.execution_id])
    assert cached.last_known_state == pb.Execution.CACHED
    kinds = sorted(e.type for e in mlmd.get_events_by_execution_ids([schema2.execution_id]))
    assert kinds == [pb.Event.INPUT, pb.Event.OUTPUT]


def test_changed_parameter_or_disabled_cache_runs_again(tmp_path):
    first = launch(ToyGenSpec, settings(tmp_path, "toy_gen"), {}, {"span": 1})
    changed = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-2"), {}, {"span": 2})
    uncached = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-3", cache=False), {}, {"span": 1})
    assert not changed.cached and not uncached.cached
    assert len({first.execution_id, changed.execution_id, uncached.execution_id}) == 3


def test_cache_entry_with_deleted_files_is_not_reused(tmp_path):
    import shutil

    first = launch(ToyGenSpec, settings(tmp_path, "toy_gen"), {}, {})
    shutil.rmtree(first.outputs["examples"][0].uri)
    again = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-2"), {}, {})
    assert not again.cached and os.path.isdir(again.outputs["examples"][0].uri)


def test_failed_executor_publishes_nothing_and_records_failure(tmp_path):
    good = launch(ToyGenSpec, settings(tmp_path, "toy_gen"), {}, {"text": "good"})
    with pytest.raises(InvalidInputDataError, match="toy failure"):
        launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-2"), {}, {"fail_after_writing": True})
    # only the earlier, good artifact folder exists; no staging leftovers
    assert os.listdir(tmp_path / "toy_gen" / "examples") == [str(good.execution_id)]
    mlmd = store(tmp_path)
    states = {e.id: e.last_known_state for e in mlmd.get_executions()}
    assert sorted(states.values()) == sorted([pb.Execution.COMPLETE, pb.Execution.FAILED])
    failed = next(e for e in mlmd.get_executions() if e.last_known_state == pb.Execution.FAILED)
    assert "toy failure" in failed.custom_properties["failure"].string_value
    artifact_states = sorted(a.state for a in mlmd.get_artifacts())
    assert artifact_states == sorted([pb.Artifact.LIVE, pb.Artifact.ABANDONED])
    assert open(os.path.join(good.outputs["examples"][0].split_uri("train"), "data.gz")).read() == "good"


def test_executor_that_writes_nothing_fails_verification(tmp_path):
    with pytest.raises(OutputVerificationError, match="wrote nothing for output 'examples'"):
        launch(LazySpec, settings(tmp_path, "lazy"), {}, {})
    assert os.listdir(tmp_path / "lazy" / "examples") == []


def test_interrupted_attempt_is_marked_failed_on_retry(tmp_path):
    gateway = MetadataGateway.connect(MetadataConfig.sqlite_under(str(tmp_path)))
    contexts = gateway.run_contexts("toy", "run-1", "toy_gen")
    dead = gateway.start_execution("ToyGen", contexts, {}, {"fingerprint": "x"})
    staging = tmp_path / "toy_gen" / "examples" / f".staging-{dead}"
    staging.mkdir(parents=True)
    (staging / "half.gz").write_text("half")
    launch(ToyGenSpec, settings(tmp_path, "toy_gen"), {}, {})
    [execution] = store(tmp_path).get_executions_by_id([dead])
    assert execution.last_known_state == pb.Execution.FAILED
    assert not staging.exists()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda ref: ref.update(mlmd_id=999), "not in the MLMD store"),
        (lambda ref: ref.update(uri="/tmp/elsewhere"), "the XCom says /tmp/elsewhere"),
        (lambda ref: ref.update(type="Schema"), "is a Examples in MLMD"),
        (lambda ref: ref.pop("uri"), "malformed artifact reference"),
    ],
)
def test_tampered_or_stale_xcom_fails_with_clear_message(tmp_path, tamper, message):
    gen = launch(ToyGenSpec, settings(tmp_path, "toy_gen"), {}, {})
    [ref] = as_xcom(gen, "examples")
    tamper(ref)
    with pytest.raises(InputResolutionError, match=message):
        launch(ToySchemaSpec, settings(tmp_path, "toy_schema"), {"examples": [ref]}, {})
    assert not (tmp_path / "toy_schema").exists() or os.listdir(tmp_path / "toy_schema" / "schema") == []


def test_uri_outside_pipeline_root_is_rejected(tmp_path):
    root_a, root_b = tmp_path / "a", tmp_path / "b"
    gen = launch(ToyGenSpec, settings(root_a, "toy_gen"), {}, {})
    # same MLMD store, but the consumer runs under another pipeline root
    other = RunSettings(
        run=ExecutionInfo(
            pipeline_name="toy", pipeline_root=str(root_b), run_id="run-1", component_id="toy_schema"
        ),
        metadata=MetadataConfig.sqlite_under(str(root_a)),
    )
    with pytest.raises(InputResolutionError, match="outside the pipeline root"):
        launch(ToySchemaSpec, other, {"examples": as_xcom(gen, "examples")}, {})


def test_missing_required_input_is_named(tmp_path):
    with pytest.raises(InputResolutionError, match="required input 'examples'"):
        launch(ToySchemaSpec, settings(tmp_path, "toy_schema"), {}, {})


def test_optional_output_left_empty_is_not_published_and_cache_still_hits(tmp_path):
    from tests.unit.runtime.toy_components import OptionalOutputSpec

    first = launch(OptionalOutputSpec, settings(tmp_path, "opt"), {}, {})
    assert first.outputs["extra"] == [] and len(first.outputs["schema"]) == 1
    assert os.listdir(tmp_path / "opt" / "extra") == []
    states = {a.id: a.state for a in store(tmp_path).get_artifacts()}
    assert sorted(states.values()) == sorted([pb.Artifact.LIVE, pb.Artifact.ABANDONED])
    again = launch(OptionalOutputSpec, settings(tmp_path, "opt", "run-2"), {}, {})
    assert again.cached and again.outputs["extra"] == []
    produced = launch(OptionalOutputSpec, settings(tmp_path, "opt", "run-3"), {}, {"with_extra": True})
    assert os.path.isfile(os.path.join(produced.outputs["extra"][0].uri, "extra.txt"))
