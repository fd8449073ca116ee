"""Bad input through the whole launcher: a clear error, nothing published, earlier outputs intact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec
from airflow_tfx_provider.components.schema_gen import ImportSchemaGenSpec
from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import InputResolutionError, InvalidInputDataError, MetadataStoreError
from airflow_tfx_provider.metadata.config import Backend, MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings
from tests.faults.invariants import assert_consistent
from tests.faults.tally import record

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
        ("header_only", "trip_miles,fare,company\n", r"data\.csv"),
        ("duplicate_header", "fare,fare,company\n1,2,a\n", r"data\.csv.*fare|fare.*data\.csv"),
        ("empty_header_field", "trip_miles,,company\n1,2,a\n", r"data\.csv"),
        (
            "non_utf8",
            b"trip_miles,fare,company\n1.5,7.25,Flash Cab\n3.0,12.5,Caf\xe9\n",
            r"data\.csv.*Row #3",
        ),
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
        if isinstance(content, bytes):
            (bad_dir / "data.csv").write_bytes(content)
        else:
            (bad_dir / "data.csv").write_text(content)
    with pytest.raises(InvalidInputDataError, match=message):
        launch(CsvExampleGenSpec, _settings(root, "example_gen", "run-2"), {}, {"input_base": str(bad_dir)})

    assert os.listdir(root / "example_gen" / "examples") == [str(good.execution_id)]
    assert sorted(str(p) for p in Path(good.outputs["examples"][0].uri).rglob("*")) == good_files
    assert [a.id for a in _live_artifacts(root)] == [good.outputs["examples"][0].mlmd_id]
    record("bad input", clear_error=1, **assert_consistent(root))


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
    record("bad input", clear_error=1, **assert_consistent(root))


# --- inputs that look wrong but are valid CSV: read correctly -------------------------------------
def _read_examples(ref) -> list[dict]:
    import tensorflow as tf

    rows = []
    for split in ref.split_names:
        for path in sorted(Path(ref.split_uri(split)).glob("*.gz")):
            for record_bytes in tf.data.TFRecordDataset(str(path), compression_type="GZIP"):
                example = tf.train.Example.FromString(record_bytes.numpy())
                rows.append({k: v for k, v in example.features.feature.items()})
    return rows


def test_a_byte_order_mark_and_quoted_newlines_are_read_as_csv(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_bytes(
        b'\xef\xbb\xbftrip_miles,fare,company\n1.5,7.25,Flash Cab\n3.0,12.5,"Taxi\nAffiliation"\n0.4,4.0,x\n'
    )
    root = tmp_path / "root"
    result = launch(CsvExampleGenSpec, _settings(root, "example_gen", "r1"), {}, {"input_base": str(data)})
    rows = _read_examples(result.outputs["examples"][0])
    assert len(rows) == 3 and all(
        set(r) == {"trip_miles", "fare", "company"} for r in rows
    )  # no BOM in names
    companies = {r["company"].bytes_list.value[0] for r in rows}
    assert b"Taxi\nAffiliation" in companies
    record("bad input", handled=1, **assert_consistent(root))


# --- the store -------------------------------------------------------------------------------------
def test_a_garbage_mlmd_file_is_named(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "metadata.sqlite").write_bytes(b"this is not a database" * 100)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "data.csv").write_text(GOOD_CSV)
    with pytest.raises(
        MetadataStoreError, match=r"cannot open the MLMD store \(SQLite file .*metadata\.sqlite\)"
    ):
        launch(
            CsvExampleGenSpec,
            _settings(root, "example_gen", "r1"),
            {},
            {"input_base": str(tmp_path / "data")},
        )
    assert not [p for p in os.listdir(root) if not p.startswith("metadata.sqlite")]  # nothing written
    record("bad input", clear_error=1)


def test_an_unreachable_mlmd_server_is_named_quickly(tmp_path):
    import time

    from tests.harness.services import free_port

    port = free_port()  # nothing listens there
    config = MetadataConfig(
        backend=Backend.POSTGRESQL, host="127.0.0.1", port=port, database="mlmd", user="u"
    )
    started = time.monotonic()
    with pytest.raises(MetadataStoreError, match=rf"cannot open the MLMD store .*127\.0\.0\.1:{port}"):
        MetadataGateway.connect(config)
    assert time.monotonic() - started < 120
    record("bad input", clear_error=1)


def test_two_pipelines_on_one_root_keep_apart(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text(GOOD_CSV)
    root = tmp_path / "root"
    refs = []
    for pipeline in ("taxi_a", "taxi_b"):
        settings = RunSettings(
            run=ExecutionInfo(
                pipeline_name=pipeline, pipeline_root=str(root), run_id="r1", component_id="example_gen"
            ),
            metadata=MetadataConfig.sqlite_under(str(root)),
        )
        refs.append(launch(CsvExampleGenSpec, settings, {}, {"input_base": str(data)}).outputs["examples"][0])
    assert refs[0].uri != refs[1].uri and refs[0].mlmd_id != refs[1].mlmd_id
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw
    assert {c.name for c in mlmd.get_contexts_by_type("pipeline")} == {"taxi_a", "taxi_b"}
    record("bad input", handled=1, **assert_consistent(root))


# --- artifacts damaged after publication ---------------------------------------------------------
def test_emptied_examples_are_rejected_downstream_and_made_again(tmp_path):
    from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec

    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text(GOOD_CSV)
    root = tmp_path / "root"
    first = launch(CsvExampleGenSpec, _settings(root, "example_gen", "r1"), {}, {"input_base": str(data)})
    examples = first.outputs["examples"][0]
    for path in Path(examples.uri).rglob("*.gz"):
        path.unlink()  # the folders stay
    with pytest.raises(
        InputResolutionError, match=rf"artifact id {examples.mlmd_id} \(Examples\) is damaged"
    ):
        launch(
            StatisticsGenSpec, _settings(root, "statistics_gen", "r1"), {"examples": [examples.to_json()]}, {}
        )
    again = launch(CsvExampleGenSpec, _settings(root, "example_gen", "r2"), {}, {"input_base": str(data)})
    assert not again.cached
    fresh = again.outputs["examples"][0]
    launch(StatisticsGenSpec, _settings(root, "statistics_gen", "r2"), {"examples": [fresh.to_json()]}, {})
    record("bad input", clear_error=1, **assert_consistent(root))


# --- data that contradicts the schema -------------------------------------------------------------
def test_data_contradicting_the_schema_is_reported_by_example_validator(tmp_path):
    from airflow_tfx_provider.components.example_validator import ExampleValidatorSpec
    from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
    from airflow_tfx_provider.exceptions import AnomaliesFoundError

    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text(GOOD_CSV)
    schema_file = tmp_path / "schema.pbtxt"
    schema_file.write_text(
        'feature { name: "trip_miles" type: FLOAT }\n'
        'feature { name: "fare" type: INT }\n'  # the data has 7.25
        'feature { name: "company" type: BYTES }\n'
    )
    root = tmp_path / "root"
    examples = launch(CsvExampleGenSpec, _settings(root, "example_gen", "r1"), {}, {"input_base": str(data)})
    stats = launch(
        StatisticsGenSpec, _settings(root, "statistics_gen", "r1"),
        {"examples": [examples.outputs["examples"][0].to_json()]}, {},
    )  # fmt: skip
    schema = launch(
        ImportSchemaGenSpec, _settings(root, "schema_gen", "r1"), {}, {"schema_file": str(schema_file)}
    )
    with pytest.raises(AnomaliesFoundError, match=r"fare"):
        launch(
            ExampleValidatorSpec, _settings(root, "example_validator", "r1"),
            {
                "statistics": [stats.outputs["statistics"][0].to_json()],
                "schema": [schema.outputs["schema"][0].to_json()],
            },
            {"fail_on_anomalies": True},
        )  # fmt: skip
    assert os.listdir(root / "example_validator" / "anomalies") == []  # nothing published
    record("bad input", clear_error=1, **assert_consistent(root))


# --- user code and destinations ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        ("syntax_error", "def run_fn(fn_args)\n    pass\n", r"broken\.py"),
        ("import_error", "import no_such_module_anywhere\n", r"broken\.py.*no_such_module_anywhere"),
        ("exit_at_import", "import sys\nsys.exit(3)\n", r"broken\.py"),
        ("no_run_fn", "def train(fn_args):\n    pass\n", r"broken\.py.*run_fn"),
    ],
)
def test_a_broken_module_file_is_named(tmp_path, name, source, message):
    from airflow_tfx_provider.components.trainer import TrainerSpec
    from airflow_tfx_provider.exceptions import PipelineDefinitionError, UserCodeError

    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text(GOOD_CSV)
    module = tmp_path / "broken.py"
    module.write_text(source)
    root = tmp_path / "root"
    examples = launch(CsvExampleGenSpec, _settings(root, "example_gen", "r1"), {}, {"input_base": str(data)})
    with pytest.raises((UserCodeError, PipelineDefinitionError), match=message):
        launch(
            TrainerSpec, _settings(root, "trainer", "r1"),
            {"examples": [examples.outputs["examples"][0].to_json()]}, {"module_file": str(module)},
        )  # fmt: skip
    assert os.listdir(root / "trainer" / "model") == []
    record("bad input", clear_error=1, **assert_consistent(root))


def test_a_push_destination_under_a_file_is_named_and_nothing_is_pushed(tmp_path):
    from airflow_tfx_provider.components.pusher import PusherSpec
    from airflow_tfx_provider.exceptions import ExecutorError
    from airflow_tfx_provider.runtime.importer import import_artifact

    model = tmp_path / "model"
    (model / "Format-Serving").mkdir(parents=True)
    (model / "Format-Serving" / "saved_model.pb").write_bytes(b"graph")
    blocker = tmp_path / "serving"
    blocker.write_text("a regular file")
    root = tmp_path / "root"
    imported = import_artifact(
        _settings(root, "model", "r1"),
        source_uri=str(model),
        type_name="Model",
        properties={},
        reimport=False,
    )
    with pytest.raises(ExecutorError, match=r"serving/models"):
        launch(
            PusherSpec, _settings(root, "pusher", "r1"), {"model": [imported["result"][0].to_json()]},
            {"push_destination": {"filesystem": {"base_directory": str(blocker / "models")}}},
        )  # fmt: skip
    assert blocker.read_text() == "a regular file"
    record("bad input", clear_error=1, **assert_consistent(root))
