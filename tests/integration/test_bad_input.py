"""Bad input through the whole launcher: a clear error, nothing published, earlier outputs intact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec
from airflow_tfx_provider.components.schema_gen import ImportSchemaGenSpec
from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings

GOOD_CSV = "trip_miles,fare,company\n1.5,7.25,Flash Cab\n3.0,12.5,Taxi Affiliation\n0.4,4.0,Flash Cab\n"


def _settings(root: Path, component_id: str, run_id: str) -> RunSettings:
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name="bad_input", pipeline_root=str(root), run_id=run_id, component_id=component_id
        ),
        metadata=MetadataConfig.sqlite_under(str(root)),
    )


def _live_artifacts(root: Path) -> list:
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw
    return [a for a in mlmd.get_artifacts() if a.state == pb.Artifact.LIVE]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty", "", r"data\.csv.*empty|empty.*data\.csv"),
        ("no_header", "1.5,7.25,Flash Cab\n3.0,12.5,Taxi Affiliation\n", r"does not look like a header"),
        ("ragged", "trip_miles,fare,company\n1.5,7.25\n3.0,12.5,Taxi Affiliation\n", r"data\.csv"),
        ("missing", None, r"does not exist|no file|matches no"),
    ],
)
def test_bad_csv_fails_cleanly_and_keeps_earlier_examples(tmp_path, name, content, message):
    root = tmp_path / "root"
    good_dir, bad_dir = tmp_path / "good", tmp_path / "bad"
    good_dir.mkdir()
    (good_dir / "data.csv").write_text(GOOD_CSV)
    good = launch(
        CsvExampleGenSpec, _settings(root, "example_gen", "run-1"), {}, {"input_base": str(good_dir)}
    )
    good_files = sorted(str(p) for p in Path(good.outputs["examples"][0].uri).rglob("*"))

    if content is not None:
        bad_dir.mkdir()
        (bad_dir / "data.csv").write_text(content)
    with pytest.raises(InvalidInputDataError, match=message):
        launch(CsvExampleGenSpec, _settings(root, "example_gen", "run-2"), {}, {"input_base": str(bad_dir)})

    assert os.listdir(root / "example_gen" / "examples") == [str(good.execution_id)]
    assert sorted(str(p) for p in Path(good.outputs["examples"][0].uri).rglob("*")) == good_files
    assert [a.id for a in _live_artifacts(root)] == [good.outputs["examples"][0].mlmd_id]


def test_unparseable_schema_file_fails_naming_the_file(tmp_path):
    root = tmp_path / "root"
    schema_file = tmp_path / "schema.pbtxt"
    schema_file.write_text('feature {\n  name: "fare"\n  type: FLAOT\n}\n')
    with pytest.raises(InvalidInputDataError, match=r"schema\.pbtxt.*line 3"):
        launch(
            ImportSchemaGenSpec, _settings(root, "schema_gen", "run-1"), {}, {"schema_file": str(schema_file)}
        )
    assert os.listdir(root / "schema_gen" / "schema") == []
    assert _live_artifacts(root) == []
