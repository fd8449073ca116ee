"""The Importer on real MLMD: registering an external artifact once, and a missing source."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.runtime.importer import import_artifact
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings


def settings(root, component_id, run_id="run-1"):
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name="toy", pipeline_root=str(root), run_id=run_id, component_id=component_id
        ),
        metadata=MetadataConfig.sqlite_under(str(root)),
    )


def test_importer_registers_external_artifact_once(tmp_path):
    schema_file = tmp_path / "outside" / "schema.pbtxt"
    schema_file.parent.mkdir()
    schema_file.write_text('feature { name: "x" type: INT }\n')
    root = tmp_path / "root"
    first = import_artifact(
        settings(root, "importer"), source_uri=str(schema_file.parent), type_name="Schema",
        properties={"origin": "hand-written"}, reimport=False,
    )["result"][0]  # fmt: skip
    again = import_artifact(
        settings(root, "importer", "run-2"), source_uri=str(schema_file.parent), type_name="Schema",
        properties={"origin": "hand-written"}, reimport=False,
    )["result"][0]  # fmt: skip
    assert again.mlmd_id == first.mlmd_id and first.properties["origin"] == "hand-written"
    # the external artifact is usable as an input although it lies outside the pipeline root
    from tests.unit.runtime.toy_components import ToyCopySchemaSpec

    copied = launch(ToyCopySchemaSpec, settings(root, "consumer"), {"schema": [first.to_json()]}, {})
    assert (Path(copied.outputs["schema"][0].uri) / "source.txt").read_text() == str(schema_file.parent)


def test_importer_rejects_missing_source(tmp_path):
    with pytest.raises(InvalidInputDataError, match="does not exist"):
        import_artifact(
            settings(tmp_path, "importer"), source_uri=str(tmp_path / "nope"), type_name="Schema",
            properties={}, reimport=False,
        )  # fmt: skip
