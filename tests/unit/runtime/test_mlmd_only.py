"""Importer and Resolver on real MLMD."""

from __future__ import annotations

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.exceptions import InputResolutionError, InvalidInputDataError
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.launcher import RunSettings, launch
from airflow_tfx_provider.runtime.mlmd_only import ArtifactQuery, import_artifact, resolve
from tests.unit.runtime.toy_components import ToyGenSpec, ToySchemaSpec


def settings(root, component_id, run_id="run-1"):
    return RunSettings(
        pipeline_name="toy",
        pipeline_root=str(root),
        run_id=run_id,
        component_id=component_id,
        metadata=MetadataConfig.sqlite_under(str(root)),
    )


def gateway(root):
    return MetadataGateway.connect(MetadataConfig.sqlite_under(str(root)))


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
    from airflow_tfx_provider.components.base import ComponentSpec, InputSpec, OutputSpec
    from airflow_tfx_provider.types import SCHEMA

    def copy_schema(inputs, outputs, params, info):
        (tmp_path / "seen").write_text(inputs["schema"][0].uri)
        with open(f"{outputs['schema'][0].uri}/schema.pbtxt", "w") as handle:
            handle.write("copied")

    consumer = ComponentSpec(
        "Consumer", {"schema": InputSpec(SCHEMA)}, {"schema": OutputSpec(SCHEMA)}, {}, copy_schema
    )
    launch(consumer, settings(root, "consumer"), {"schema": [first.to_json()]}, {})
    assert (tmp_path / "seen").read_text() == str(schema_file.parent)


def test_importer_rejects_missing_source(tmp_path):
    with pytest.raises(InvalidInputDataError, match="does not exist"):
        import_artifact(
            settings(tmp_path, "importer"), source_uri=str(tmp_path / "nope"), type_name="Schema",
            properties={}, reimport=False,
        )  # fmt: skip


def test_latest_artifact_picks_newest_live_from_the_producer(tmp_path):
    old = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-1"), {}, {"span": 1}).outputs["examples"][0]
    new = launch(ToyGenSpec, settings(tmp_path, "toy_gen", "run-2"), {}, {"span": 2}).outputs["examples"][0]
    launch(ToySchemaSpec, settings(tmp_path, "toy_schema", "run-2"), {"examples": [new.to_json()]}, {})
    resolved = resolve(
        settings(tmp_path, "latest", "run-3"), gateway=gateway(tmp_path), strategy="latest_artifact",
        queries={"examples": ArtifactQuery("Examples", "toy_gen"), "none": ArtifactQuery("Model")},
        current={},
    )  # fmt: skip
    assert [r.mlmd_id for r in resolved["examples"]] == [new.mlmd_id] != [old.mlmd_id]
    assert resolved["none"] == []
    mlmd = gateway(tmp_path).raw
    [execution] = mlmd.get_executions_by_type("Resolver")
    assert execution.last_known_state == pb.Execution.COMPLETE
    outputs = [
        e.artifact_id for e in mlmd.get_events_by_execution_ids([execution.id]) if e.type == pb.Event.OUTPUT
    ]
    assert outputs == [new.mlmd_id]


def test_previous_span_skips_current_and_later_spans(tmp_path):
    spans = {}
    for run, span in (("r1", 5), ("r2", 7), ("r3", 6)):
        spans[span] = launch(ToyGenSpec, settings(tmp_path, "toy_gen", run), {}, {"span": span}).outputs[
            "examples"
        ][0]
    resolved = resolve(
        settings(tmp_path, "previous", "r4"), gateway=gateway(tmp_path), strategy="previous_span",
        queries={"examples": ArtifactQuery("Examples", "toy_gen")}, current={"examples": [spans[7]]},
    )  # fmt: skip
    assert [r.properties["span"] for r in resolved["examples"]] == [6]
    first = resolve(
        settings(tmp_path, "previous", "r5"), gateway=gateway(tmp_path), strategy="previous_span",
        queries={"examples": ArtifactQuery("Examples", "toy_gen")}, current={"examples": [spans[5]]},
    )  # fmt: skip
    assert first["examples"] == []


def test_unknown_strategy_and_type_are_rejected(tmp_path):
    with pytest.raises(InputResolutionError, match="unknown resolver strategy 'newest'"):
        resolve(settings(tmp_path, "r"), gateway=gateway(tmp_path), strategy="newest", queries={}, current={})
    with pytest.raises(KeyError, match="unknown artifact type 'Modle'"):
        ArtifactQuery("Modle")


def test_latest_blessed_model_follows_positive_blessings(tmp_path):
    from airflow_tfx_provider.components.base import ComponentSpec, InputSpec, OutputSpec, Parameter
    from airflow_tfx_provider.components.blessing import write_blessing
    from airflow_tfx_provider.types import MODEL, MODEL_BLESSING

    def make_model(inputs, outputs, params, info):
        with open(f"{outputs['model'][0].uri}/saved_model.pb", "w") as handle:
            handle.write(params["tag"])

    def bless(inputs, outputs, params, info):
        [model] = inputs["model"]
        [blessing] = outputs["blessing"]
        write_blessing(blessing, params["blessed"])
        blessing.properties["current_model_id"] = model.mlmd_id

    trainer = ComponentSpec("T", {}, {"model": OutputSpec(MODEL)}, {"tag": Parameter()}, make_model)
    evaluator = ComponentSpec(
        "E",
        {"model": InputSpec(MODEL)},
        {"blessing": OutputSpec(MODEL_BLESSING)},
        {"blessed": Parameter()},
        bless,
    )
    models = {}
    for run, tag, blessed in (("r1", "a", True), ("r2", "b", True), ("r3", "c", False)):
        models[tag] = launch(trainer, settings(tmp_path, "trainer", run), {}, {"tag": tag}).outputs["model"][
            0
        ]
        launch(
            evaluator,
            settings(tmp_path, "evaluator", run),
            {"model": [models[tag].to_json()]},
            {"blessed": blessed},
        )
    resolved = resolve(
        settings(tmp_path, "baseline", "r4"), gateway=gateway(tmp_path), strategy="latest_blessed_model",
        queries={"model": ArtifactQuery("Model", "trainer")}, current={},
    )  # fmt: skip
    assert [r.mlmd_id for r in resolved["model"]] == [models["b"].mlmd_id]  # c is newer but NOT_BLESSED
    excluding_candidate = resolve(
        settings(tmp_path, "baseline", "r5"), gateway=gateway(tmp_path), strategy="latest_blessed_model",
        queries={"model": ArtifactQuery("Model", "trainer")}, current={"model": [models["b"]]},
    )  # fmt: skip
    assert [r.mlmd_id for r in excluding_candidate["model"]] == [models["a"].mlmd_id]
    none = resolve(
        settings(tmp_path / "empty", "baseline", "r1"), gateway=gateway(tmp_path / "empty"),
        strategy="latest_blessed_model", queries={"model": ArtifactQuery("Model")}, current={},
    )  # fmt: skip
    assert none["model"] == []
