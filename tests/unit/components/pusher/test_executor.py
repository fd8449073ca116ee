"""Pusher executor and gate: TF Serving layout, atomic versions, no duplicate push, gating."""

from __future__ import annotations

import json
import os
import re

import pytest

from airflow_tfx_provider.components._artifacts.blessing import write_blessing
from airflow_tfx_provider.components.pusher import PusherSpec
from airflow_tfx_provider.components.pusher import executor as pusher_executor
from airflow_tfx_provider.components.pusher.executor import gate
from airflow_tfx_provider.components.pusher.executor import run as run_executor
from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import ExecutorError, InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef


def model_artifact(tmp_path, mlmd_id=7):
    uri = tmp_path / f"model{mlmd_id}"
    (uri / "Format-Serving" / "variables").mkdir(parents=True)
    (uri / "Format-Serving" / "saved_model.pb").write_bytes(b"graph")
    (uri / "Format-Serving" / "variables" / "variables.index").write_bytes(b"vars")
    return ArtifactRef(type="Model", uri=str(uri), mlmd_id=mlmd_id)


def blessing(tmp_path, type_name, blessed, mlmd_id=9):
    ref = ArtifactRef(type=type_name, uri=str(tmp_path / f"{type_name}{mlmd_id}"), mlmd_id=mlmd_id)
    write_blessing(ref, blessed)
    return ref


def push(tmp_path, model, out_name="pushed", base=None):
    out = ArtifactRef(type="PushedModel", uri=str(tmp_path / out_name))
    os.makedirs(out.uri)
    params = PusherSpec.resolve_parameters(
        {"push_destination": {"filesystem": {"base_directory": str(base or tmp_path / "serving")}}}, where="t"
    )
    run_executor({"model": [model]}, {"pushed_model": [out]}, params, ExecutionInfo(run_id="r"))
    return out


def test_push_writes_a_numeric_version_with_the_model_files(tmp_path):
    out = push(tmp_path, model_artifact(tmp_path))
    version = out.properties["pushed_version"]
    assert str(version).isdigit() and out.properties["pushed"] == 1 and out.properties["new_version"] == 1
    dest = tmp_path / "serving" / str(version)
    assert out.properties["pushed_destination"] == str(dest)
    assert (dest / "saved_model.pb").read_bytes() == b"graph"
    assert (dest / "variables" / "variables.index").exists()
    assert [p for p in os.listdir(tmp_path / "serving") if p.startswith(".tmp")] == []
    record = json.loads((tmp_path / "pushed" / "push_record.json").read_text())
    assert record["model_id"] == 7 and record["version"] == str(version)


def test_same_model_twice_gives_one_version_and_a_new_model_a_second(tmp_path):
    model = model_artifact(tmp_path)
    first = push(tmp_path, model, "p1")
    again = push(tmp_path, model, "p2")
    assert again.properties["pushed_version"] == first.properties["pushed_version"]
    assert again.properties["new_version"] == 0
    other = push(tmp_path, model_artifact(tmp_path, mlmd_id=8), "p3")
    assert other.properties["pushed_version"] != first.properties["pushed_version"]
    versions = [p for p in os.listdir(tmp_path / "serving") if p.isdigit()]
    assert len(versions) == 2


def test_rollback_pushes_an_already_pushed_model_as_a_new_version(tmp_path):
    from airflow_tfx_provider.components.pusher import RollbackSpec
    from airflow_tfx_provider.components.pusher.executor import rollback

    model = model_artifact(tmp_path)
    first = push(tmp_path, model, "p1")
    out = ArtifactRef(type="PushedModel", uri=str(tmp_path / "rolled"))
    os.makedirs(out.uri)
    params = RollbackSpec.resolve_parameters(
        {"push_destination": {"filesystem": {"base_directory": str(tmp_path / "serving")}}}, where="t"
    )
    rollback({"model": [model]}, {"pushed_model": [out]}, params, ExecutionInfo(run_id="rollback__t"))
    assert out.properties["new_version"] == 1 and out.properties["rollback"] == 1
    assert out.properties["pushed_version"] != first.properties["pushed_version"]
    versions = sorted(p for p in os.listdir(tmp_path / "serving") if p.isdigit())
    assert versions[-1] == out.properties["pushed_version"]  # the highest version: what TF Serving serves
    record = json.loads((tmp_path / "rolled" / "push_record.json").read_text())
    assert record["rollback"] is True and record["model_id"] == 7


def test_a_new_version_is_always_the_highest(tmp_path):
    (tmp_path / "serving" / "9999999999").mkdir(parents=True)  # a version from a clock ahead of ours
    out = push(tmp_path, model_artifact(tmp_path))
    assert out.properties["pushed_version"] == "10000000000"


def test_gate_refuses_unblessed_models_and_backfills(tmp_path):
    params = PusherSpec.resolve_parameters(
        {"push_destination": {"filesystem": {"base_directory": "/x"}}}, where="t"
    )
    ok = {"model_blessing": [blessing(tmp_path, "ModelBlessing", True)]}
    assert gate(ok, params, ExecutionInfo(run_type="scheduled")) is None
    bad_model = {"model_blessing": [blessing(tmp_path, "ModelBlessing", False, 10)]}
    refused = gate(bad_model, params, ExecutionInfo())
    assert refused is not None and refused.code == "not_blessed" and "NOT_BLESSED" in refused.reason
    bad_infra = {**ok, "infra_blessing": [blessing(tmp_path, "InfraBlessing", False, 11)]}
    refused = gate(bad_infra, params, ExecutionInfo())
    assert refused is not None and refused.code == "not_blessed" and "INFRA_NOT_BLESSED" in refused.reason
    refused = gate(ok, params, ExecutionInfo(run_type="backfill"))
    assert refused is not None and refused.code == "backfill" and "backfill" in refused.reason
    assert gate(ok, {**params, "allow_backfill_push": True}, ExecutionInfo(run_type="backfill")) is None


def test_bad_model_and_bad_destination_are_reported(tmp_path):
    empty = ArtifactRef(type="Model", uri=str(tmp_path / "empty"), mlmd_id=3)
    with pytest.raises(InvalidInputDataError, match="no SavedModel"):
        push(tmp_path, empty)
    assert (
        not (tmp_path / "serving").exists()
        or [p for p in os.listdir(tmp_path / "serving") if p.isdigit()] == []
    )
    with pytest.raises(PipelineDefinitionError, match="push_destination"):
        PusherSpec.validate_parameters({"push_destination": "/serving"})


@pytest.mark.parametrize(
    ("under", "problem"),
    [("file/models", "{file} is a regular file, not a directory"),
     ("file", "it is a regular file, not a directory")],
)  # fmt: skip
def test_destination_under_a_regular_file_is_reported_and_nothing_is_written(tmp_path, under, problem):
    (tmp_path / "file").write_text("not a folder")
    base = tmp_path / under
    with pytest.raises(ExecutorError) as raised:
        push(tmp_path, model_artifact(tmp_path), base=base)
    message = str(raised.value)
    assert message.startswith(
        f"Pusher: cannot push Model #7 to push_destination.filesystem.base_directory {base}: "
        + problem.format(file=tmp_path / "file")
        + " (NotADirectoryError: [Errno 20] Not a directory: "
    ), message
    assert message.endswith("Nothing was pushed: no new version folder or push record is left there")
    assert isinstance(raised.value.__cause__, NotADirectoryError)
    assert (tmp_path / "file").read_text() == "not a folder"
    assert not (tmp_path / "pushed" / "push_record.json").exists()


def test_unwritable_destination_mid_copy_leaves_no_partial_version(tmp_path, monkeypatch):
    def half_copy(source, staging, **_kwargs):
        os.makedirs(os.path.join(staging, "variables"))
        open(os.path.join(staging, "saved_model.pb"), "wb").close()
        raise PermissionError(13, "Permission denied", os.path.join(staging, "variables", "variables.index"))

    monkeypatch.setattr(pusher_executor.shutil, "copytree", half_copy)
    base = tmp_path / "serving"
    expected = re.escape(f"base_directory {base}: it is not writable by this process (PermissionError: ")
    with pytest.raises(ExecutorError, match=expected + r"\[Errno 13\] Permission denied: .*/\.tmp-\d+-\w+/"
                       r"variables/variables\.index'\)\. Nothing was pushed"):  # fmt: skip
        push(tmp_path, model_artifact(tmp_path), base=base)
    assert os.listdir(base) == [".push_records"] and os.listdir(base / ".push_records") == []


def test_push_record_not_writable_rolls_the_version_back(tmp_path, monkeypatch):
    real = pusher_executor._write_json_atomically

    def no_record_in_base(path, data):
        if ".push_records" in path:
            raise PermissionError(13, "Permission denied", path)
        real(path, data)

    monkeypatch.setattr(pusher_executor, "_write_json_atomically", no_record_in_base)
    base, model = tmp_path / "serving", model_artifact(tmp_path)
    with pytest.raises(ExecutorError, match=r"Permission denied: .*\.push_records.*Nothing was pushed"):
        push(tmp_path, model, base=base)
    assert os.listdir(base) == [".push_records"]  # the renamed version folder was removed again
    monkeypatch.undo()
    out = push(tmp_path, model, "pushed2", base=base)  # a retry pushes afresh
    assert out.properties["new_version"] == 1 and (base / str(out.properties["pushed_version"])).is_dir()


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_a_corrupt_push_record_is_named_and_nothing_is_pushed(tmp_path, content):
    """Regression: a corrupt .push_records file raised a raw JSONDecodeError."""
    first = push(tmp_path, model_artifact(tmp_path), "p1")
    record = tmp_path / "serving" / ".push_records" / f"{first.properties['pushed_version']}.json"
    record.write_text(content)
    with pytest.raises(
        InvalidInputDataError, match=rf"push record {re.escape(str(record))} (cannot be read|is not)"
    ):
        push(tmp_path, model_artifact(tmp_path, mlmd_id=8), "p2")
    assert [p for p in os.listdir(tmp_path / "serving") if p.isdigit()] == [
        str(first.properties["pushed_version"])
    ]
